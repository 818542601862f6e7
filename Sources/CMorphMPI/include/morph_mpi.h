// Morph's door to MPI: Open MPI's libmpi loaded at run time with dlopen, so building Morph
// never needs MPI headers or libraries (docs/scale-out-mpi.md, "Optional at build time").
//
// Swift imports MPI's functions from mpi.h but not its handles: MPI_COMM_WORLD, MPI_FLOAT and
// MPI_SUM are macros over the addresses of Open MPI's predefined global objects. These wrappers
// look those objects up (dlsym) and hide them, so Swift sees plain functions on float buffers.
// Every function returns MPI_SUCCESS (0) or an MPI error code; morph_mpi_error_string names it.
#ifndef MORPH_MPI_H
#define MORPH_MPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads libmpi (libmpi.so.40, Open MPI 4/5, else libmpi.so) and its symbols. 0 on success;
/// otherwise -1 with a message naming the library and dlerror's reason in `message`.
int morph_mpi_load(char *message, size_t capacity);

/// MPI_Init unless MPI is already initialised; then MPI_COMM_WORLD's rank and size.
int morph_mpi_init(int *rank, int *size);

/// In-place sum of `count` floats over MPI_COMM_WORLD (MPI_Allreduce with MPI_IN_PLACE),
/// in pieces of at most INT_MAX floats, since MPI counts are ints.
int morph_mpi_allreduce_sum(float *buffer, long count);

/// Rank `root`'s `count` floats copied into every rank's `buffer` (MPI_Bcast), in pieces.
int morph_mpi_broadcast(float *buffer, long count, int root);

/// MPI_Barrier over MPI_COMM_WORLD.
int morph_mpi_barrier(void);

/// MPI_Finalize, unless MPI was never initialised or is already finalised.
int morph_mpi_finalize(void);

/// MPI_Abort over MPI_COMM_WORLD: ends every rank of the job (a rank that fails alone would
/// leave the others waiting in an all-reduce forever).
void morph_mpi_abort(int code);

/// MPI_Error_string of `code` into `message`.
void morph_mpi_error_string(int code, char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
