// Builds for processors other than x86-64 have only the scalar family.

#include "infer/kernels/dispatch.h"

namespace ward::infer::kernels {

const KernelTable* avx2_table() {
  return nullptr;
}
const KernelTable* avx512_table() {
  return nullptr;
}
const KernelTable* avx512_vnni_table() {
  return nullptr;
}

}  // namespace ward::infer::kernels
