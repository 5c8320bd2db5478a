#include <iostream>

#include "cli/commands.h"

namespace ward::cli {

int report(const core::Error& error) {
  std::cerr << "ward: error: " << error.to_string() << "\n";
  return kExitFailure;
}

}  // namespace ward::cli
