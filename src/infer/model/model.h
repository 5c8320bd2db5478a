#pragma once
// A loaded GGUF language model: the memory-mapped file, its tokenizer, hyperparameters and bound
// weights. Loading validates everything (the file, the tokenizer, every tensor's presence, type
// and shape), so a Session never meets a malformed model.
//
// A Model is immutable after load() and shared by the sessions that run it
// (std::shared_ptr<const Model>); any number of threads may use it at once.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "infer/gguf/gguf.h"
#include "infer/model/hparams.h"
#include "infer/model/weights.h"
#include "infer/tokenizer/tokenizer.h"

namespace ward::infer::model {

class Model {
 public:
  // Opens and validates the model at `path`. Errors: those of gguf::File::open (kNotFound,
  // kDataLoss ...) and, kInvalidArgument, an unsupported architecture (naming it and the
  // supported ones), a missing or malformed hyperparameter key, tokenizer or tensor (naming it).
  static core::Result<std::shared_ptr<const Model>> load(const std::filesystem::path& path);
  // The same from a GGUF file already open (tests build models in memory).
  static core::Result<std::shared_ptr<const Model>> from_file(gguf::File file);

  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  const Hyperparameters& hyperparameters() const { return hparams_; }
  const Weights& weights() const { return weights_; }
  const gguf::File& file() const { return file_; }
  std::string_view architecture() const { return architecture_name(hparams_.architecture); }
  int32_t vocab_size() const { return hparams_.vocab_size; }
  int32_t context_length() const { return hparams_.context_length; }

  Model(gguf::File file, tokenizer::Tokenizer tokenizer, Hyperparameters hparams)
      : file_(std::move(file)), tokenizer_(std::move(tokenizer)), hparams_(hparams) {}

 private:
  gguf::File file_;  // owns the mapping weights_ points into; never moved after binding
  tokenizer::Tokenizer tokenizer_;
  Hyperparameters hparams_;
  Weights weights_;
};

}  // namespace ward::infer::model
