// The "avx512" family: AVX-512 F/BW/VL without VNNI. Compiled with those flags only (see
// sources.cmake); kernels.cpp uses it only on CPUs that have them.

#include "infer/kernels/avx512_impl.h"

namespace ward::infer::kernels {

const KernelTable* avx512_table() {
  static const KernelTable table = avx512::make_table<false>();
  return &table;
}

}  // namespace ward::infer::kernels
