// The libvips C API, brought into Swift through pkg-config `vips`.
#include <vips/vips.h>
