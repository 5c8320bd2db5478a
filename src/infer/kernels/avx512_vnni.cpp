// The "avx512-vnni" family: the AVX-512 kernels with VPDPBUSD / VPDPWSSD. Compiled with
// -mavx512vnni (see sources.cmake); kernels.cpp uses it only on CPUs that have it.

#include "infer/kernels/avx512_impl.h"

namespace ward::infer::kernels {

const KernelTable* avx512_vnni_table() {
  static const KernelTable table = avx512::make_table<true>();
  return &table;
}

}  // namespace ward::infer::kernels
