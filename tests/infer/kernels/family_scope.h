#pragma once
// Makes one kernel family active for a test's scope and restores the previous one after.

#include "infer/kernels/kernels.h"

namespace ward::infer::kernels {

class FamilyScope {
 public:
  explicit FamilyScope(KernelFamily family) : saved_(active_family()) {
    ok_ = set_kernel_family(family).ok();
  }
  ~FamilyScope() { (void)set_kernel_family(saved_); }
  FamilyScope(const FamilyScope&) = delete;
  FamilyScope& operator=(const FamilyScope&) = delete;
  bool ok() const { return ok_; }

 private:
  KernelFamily saved_;
  bool ok_ = false;
};

}  // namespace ward::infer::kernels
