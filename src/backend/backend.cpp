#include "backend/backend.h"

namespace ward::backend {

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kTimeBudget:
      return "time_budget";
    case FinishReason::kCancelled:
      return "cancelled";
  }
  return "stop";
}

Backend* BackendSet::find(std::string_view name) const {
  if (backends_.empty()) return nullptr;
  if (name.empty()) return backends_.front().get();
  for (const auto& backend : backends_) {
    if (backend->info().name == name) return backend.get();
  }
  return nullptr;
}

}  // namespace ward::backend
