// OpenBLAS' CBLAS interface (Debian: /usr/include/x86_64-linux-gnu/cblas.h).
#include <cblas.h>
// Not in cblas.h on every build: OpenBLAS' thread controls.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
