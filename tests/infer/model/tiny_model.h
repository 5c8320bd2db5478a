#pragma once
// The tiny llama fixture (../shared/fixtures/models/llama-2-tiny-random.gguf), loaded once per
// test executable and shared by the tests that run it.

#include <gtest/gtest.h>

#include <memory>

#include "infer/model/model.h"
#include "support/test_support.h"

namespace ward::infer::model {

inline std::shared_ptr<const Model> tiny_model() {
  static std::shared_ptr<const Model> model = [] {
    auto loaded = Model::load(ward::test::fixture("models/llama-2-tiny-random.gguf"));
    EXPECT_TRUE(loaded) << loaded.error().to_string();
    return loaded ? *loaded : nullptr;
  }();
  return model;
}

}  // namespace ward::infer::model
