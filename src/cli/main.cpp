#include <iostream>

#include "ward/version.h"

int main() {
  std::cout << "ward " << ward::kVersion << "\n";
  return 0;
}
