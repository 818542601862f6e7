// See morph_mpi.h. Written against Open MPI's ABI (Debian's openmpi-bin, libmpi.so.40): its
// handles are pointers to predefined globals (mpi.h: `#define MPI_COMM_WORLD
// OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`, i.e. `&ompi_mpi_comm_world`), and
// MPI_IN_PLACE is `(void *)1`. MPICH's handles are integers instead; it is not supported.
#include "morph_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

// Open MPI's handle types are pointers to opaque structs; `void *` has the same ABI.
typedef void *mpi_handle;

static int (*p_init)(int *, char ***);
static int (*p_initialized)(int *);
static int (*p_finalized)(int *);
static int (*p_finalize)(void);
static int (*p_comm_rank)(mpi_handle, int *);
static int (*p_comm_size)(mpi_handle, int *);
static int (*p_allreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
static int (*p_bcast)(void *, int, mpi_handle, int, mpi_handle);
static int (*p_barrier)(mpi_handle);
static int (*p_abort)(mpi_handle, int);
static int (*p_error_string)(int, char *, int *);
static mpi_handle comm_world, type_float, op_sum;
static int loaded = 0;

#define MPI_IN_PLACE_OPEN_MPI ((void *)1)
// Returned when a wrapper is called before a successful morph_mpi_load.
#define NOT_LOADED (-2)

int morph_mpi_load(char *message, size_t capacity) {
  if (loaded) return 0;
  // RTLD_GLOBAL: Open MPI dlopens its own components (mca_*.so), which resolve libmpi's and
  // libopen-pal's symbols from the global namespace; loaded RTLD_LOCAL they fail to start.
  const char *names[] = {"libmpi.so.40", "libmpi.so"};
  void *lib = NULL;
  const char *reason = "";
  for (size_t i = 0; i < sizeof names / sizeof names[0] && lib == NULL; i++) {
    lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) reason = dlerror();
  }
  if (lib == NULL) {
    snprintf(message, capacity, "cannot load Open MPI's libmpi.so.40 (%s)", reason ? reason : "unknown reason");
    return -1;
  }
  struct { const char *name; void **slot; } symbols[] = {
    {"MPI_Init", (void **)&p_init},
    {"MPI_Initialized", (void **)&p_initialized},
    {"MPI_Finalized", (void **)&p_finalized},
    {"MPI_Finalize", (void **)&p_finalize},
    {"MPI_Comm_rank", (void **)&p_comm_rank},
    {"MPI_Comm_size", (void **)&p_comm_size},
    {"MPI_Allreduce", (void **)&p_allreduce},
    {"MPI_Bcast", (void **)&p_bcast},
    {"MPI_Barrier", (void **)&p_barrier},
    {"MPI_Abort", (void **)&p_abort},
    {"MPI_Error_string", (void **)&p_error_string},
    // The handles themselves: the addresses of the predefined objects.
    {"ompi_mpi_comm_world", &comm_world},
    {"ompi_mpi_float", &type_float},
    {"ompi_mpi_op_sum", &op_sum},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    *symbols[i].slot = dlsym(lib, symbols[i].name);
    if (*symbols[i].slot == NULL) {
      snprintf(message, capacity, "libmpi has no symbol %s: not Open MPI (only Open MPI's ABI is supported)", symbols[i].name);
      return -1;
    }
  }
  loaded = 1;
  return 0;
}

int morph_mpi_init(int *rank, int *size) {
  if (!loaded) return NOT_LOADED;
  int done = 0;
  int rc = p_initialized(&done);
  if (rc == 0 && !done) rc = p_init(NULL, NULL);
  if (rc == 0) rc = p_comm_rank(comm_world, rank);
  if (rc == 0) rc = p_comm_size(comm_world, size);
  return rc;
}

int morph_mpi_allreduce_sum(float *buffer, long count) {
  if (!loaded) return NOT_LOADED;
  for (long start = 0; start < count; start += INT_MAX) {
    long piece = count - start < INT_MAX ? count - start : INT_MAX;
    int rc = p_allreduce(MPI_IN_PLACE_OPEN_MPI, buffer + start, (int)piece, type_float, op_sum, comm_world);
    if (rc != 0) return rc;
  }
  return 0;
}

int morph_mpi_broadcast(float *buffer, long count, int root) {
  if (!loaded) return NOT_LOADED;
  for (long start = 0; start < count; start += INT_MAX) {
    long piece = count - start < INT_MAX ? count - start : INT_MAX;
    int rc = p_bcast(buffer + start, (int)piece, type_float, root, comm_world);
    if (rc != 0) return rc;
  }
  return 0;
}

int morph_mpi_barrier(void) {
  if (!loaded) return NOT_LOADED;
  return p_barrier(comm_world);
}

int morph_mpi_finalize(void) {
  if (!loaded) return 0;
  int initialised = 0, finalised = 0;
  p_initialized(&initialised);
  p_finalized(&finalised);
  return initialised && !finalised ? p_finalize() : 0;
}

void morph_mpi_abort(int code) {
  if (loaded) p_abort(comm_world, code);
}

void morph_mpi_error_string(int code, char *message, size_t capacity) {
  if (capacity == 0) return;
  if (code == NOT_LOADED || !loaded) {
    snprintf(message, capacity, "libmpi is not loaded");
    return;
  }
  // MPI_MAX_ERROR_STRING is 256 in Open MPI.
  char text[256 + 1] = {0};
  int length = 0;
  if (p_error_string(code, text, &length) != 0) snprintf(text, sizeof text, "MPI error %d", code);
  snprintf(message, capacity, "%s", text);
}
