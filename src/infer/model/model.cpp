#include "infer/model/model.h"

#include <utility>

namespace ward::infer::model {

core::Result<std::shared_ptr<const Model>> Model::load(const std::filesystem::path& path) {
  auto file = gguf::File::open(path);
  if (!file) return file.error();
  return from_file(std::move(*file));
}

core::Result<std::shared_ptr<const Model>> Model::from_file(gguf::File file) {
  auto tokenizer = tokenizer::Tokenizer::from_gguf(file);
  if (!tokenizer) return tokenizer.error();
  auto hparams = read_hyperparameters(file, tokenizer->vocab_size());
  if (!hparams) return hparams.error();
  // Bind after the file has reached its final place: the weights point into its mapping (which a
  // move keeps, but binding last keeps that reasoning out of the way).
  auto model = std::make_shared<Model>(std::move(file), std::move(*tokenizer), *hparams);
  auto weights = bind_weights(model->file_, model->hparams_);
  if (!weights) return weights.error();
  model->weights_ = std::move(*weights);
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace ward::infer::model
