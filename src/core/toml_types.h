#pragma once
// How Ward's errors about TOML files (the configuration, the scanner's rule files) name the type
// a value has: "a string", "an array", … For files that link toml++ (which core uses privately).

#include <toml++/toml.h>

#include <string_view>

namespace ward::core {

std::string_view toml_type_name(const toml::node& node);

}  // namespace ward::core
