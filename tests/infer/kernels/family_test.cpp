#include <gtest/gtest.h>

#include "core/cpu.h"
#include "infer/kernels/kernels.h"

namespace ward::infer::kernels {
namespace {

TEST(InferKernelsFamily, NamesRoundTrip) {
  for (KernelFamily family : {KernelFamily::kScalar, KernelFamily::kAvx2, KernelFamily::kAvx512,
                              KernelFamily::kAvx512Vnni}) {
    EXPECT_EQ(family_named(family_name(family)), family);
  }
  EXPECT_EQ(family_name(KernelFamily::kAvx512Vnni), "avx512-vnni");
  EXPECT_EQ(family_named("neon"), std::nullopt);
}

TEST(InferKernelsFamily, DefaultIsTheBestTheCpuHas) {
  // core names the best family from the same features; the kernels must agree with it.
  EXPECT_EQ(family_name(best_family()), core::best_kernel_family(core::cpu_features()));
  EXPECT_TRUE(cpu_supports(KernelFamily::kScalar));
}

TEST(InferKernelsFamily, SettingAFamily) {
  const KernelFamily saved = active_family();
  ASSERT_TRUE(set_kernel_family("scalar").ok());
  EXPECT_EQ(active_kernel_family(), "scalar");
  const core::Status unknown = set_kernel_family("sse9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), core::Code::kInvalidArgument);
  EXPECT_EQ(unknown.error().where(), "sse9");
  EXPECT_EQ(active_kernel_family(), "scalar");  // unchanged by the failure
  for (KernelFamily family :
       {KernelFamily::kAvx2, KernelFamily::kAvx512, KernelFamily::kAvx512Vnni}) {
    const core::Status status = set_kernel_family(family);
    EXPECT_EQ(status.ok(), cpu_supports(family));
    if (!status.ok()) {
      EXPECT_EQ(status.error().code(), core::Code::kFailedPrecondition);
    }
  }
  ASSERT_TRUE(set_kernel_family(saved).ok());
}

TEST(InferKernelsFamily, SupportFollowsTheCpuFeatures) {
  const core::CpuFeatures& f = core::cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl;
  EXPECT_EQ(cpu_supports(KernelFamily::kAvx2), avx2);
  EXPECT_EQ(cpu_supports(KernelFamily::kAvx512), avx512);
  EXPECT_EQ(cpu_supports(KernelFamily::kAvx512Vnni), avx512 && f.avx512vnni);
}

}  // namespace
}  // namespace ward::infer::kernels
