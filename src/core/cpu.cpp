#include "core/cpu.h"

#include <cstdint>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace ward::core {
namespace {

#if defined(__x86_64__) || defined(__i386__)
bool bit(unsigned value, int index) { return (value >> index) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse42 = bit(ecx, 20);
  const bool osxsave = bit(ecx, 27);
  std::uint64_t xcr0 = 0;
  if (osxsave) {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<std::uint64_t>(hi) << 32) | lo;
  }
  const bool os_ymm = (xcr0 & 0x6) == 0x6;      // SSE and AVX state
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;    // plus opmask and ZMM state
  f.avx = bit(ecx, 28) && os_ymm;
  f.fma = bit(ecx, 12) && os_ymm;
  f.f16c = bit(ecx, 29) && os_ymm;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2 = bit(ebx, 5) && os_ymm;
  f.avx512f = bit(ebx, 16) && os_zmm;
  f.avx512bw = bit(ebx, 30) && os_zmm;
  f.avx512vl = bit(ebx, 31) && os_zmm;
  f.avx512vnni = bit(ecx, 11) && os_zmm;
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  if (__get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1)) f.avx512bf16 = bit(eax1, 5) && os_zmm;
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

std::string best_kernel_family(const CpuFeatures& f) {
  if (f.avx512f && f.avx512bw && f.avx512vl) return f.avx512vnni ? "avx512-vnni" : "avx512";
  if (f.avx2 && f.fma && f.f16c) return "avx2";
  return "scalar";
}

std::string describe(const CpuFeatures& f) {
  const std::vector<std::pair<bool, const char*>> named = {
      {f.sse42, "SSE4.2"},       {f.avx, "AVX"},           {f.avx2, "AVX2"},
      {f.fma, "FMA"},            {f.f16c, "F16C"},         {f.avx512f, "AVX-512F"},
      {f.avx512bw, "AVX-512BW"}, {f.avx512vl, "AVX-512VL"}, {f.avx512vnni, "AVX-512 VNNI"},
      {f.avx512bf16, "AVX-512 BF16"}};
  std::string text;
  for (const auto& [present, name] : named) {
    if (!present) continue;
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text.empty() ? "none" : text;
}

}  // namespace ward::core
