#pragma once
// The `ward` subcommands. main.cpp parses argv with CLI11 and calls these; each returns the process
// exit code and prints its own errors. Called once, from the main thread.

#include "core/config.h"

namespace ward::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed
inline constexpr int kExitUsage = 2;    // bad flags or arguments

// Prints "ward: error: <error>" to stderr and returns kExitFailure.
int report(const core::Error& error);

// `ward serve`: the HTTPS gateway, until SIGINT or SIGTERM.
int run_serve(const core::ConfigInputs& inputs);

// `ward doctor`: checks the installation and prints what is wrong and how to fix it.
int run_doctor(const core::ConfigInputs& inputs);

}  // namespace ward::cli
