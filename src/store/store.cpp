#include "store/store.h"

#include <chrono>
#include <thread>
#include <type_traits>

namespace ward::store {

using core::Code;
using core::Error;
using core::Result;
using core::Status;

namespace {

template <typename T>
constexpr std::string_view type_name_of() {
  if constexpr (std::is_same_v<T, std::monostate>) {
    return "NULL";
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return "INTEGER";
  } else if constexpr (std::is_same_v<T, double>) {
    return "REAL";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "TEXT";
  } else {
    static_assert(std::is_same_v<T, Blob>);
    return "BLOB";
  }
}

Error column_error(const std::string& column, std::string message) {
  return Error(Code::kInvalidArgument, "column " + column, std::move(message));
}

}  // namespace

std::string_view type_name(const Value& value) {
  return std::visit([](const auto& v) { return type_name_of<std::decay_t<decltype(v)>>(); }, value);
}

Row::Row(Columns columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

Result<std::size_t> Row::index_of(std::string_view column) const {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] != column) continue;
    if (found) {
      return column_error(std::string(column),
                          "the result has two columns with this name; give one an alias");
    }
    found = i;
  }
  if (!found) return column_error(std::string(column), "the result has no such column");
  return *found;
}

template <typename T>
Result<std::optional<T>> Row::get(std::size_t index, bool nullable) const {
  if (index >= values_.size()) {
    return column_error(std::to_string(index),
                        "the result has only " + std::to_string(values_.size()) + " columns");
  }
  const Value& value = values_[index];
  const std::string& name = (*columns_)[index];
  if (const T* v = std::get_if<T>(&value)) return std::optional<T>(*v);
  if constexpr (std::is_same_v<T, double>) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      return std::optional<double>(static_cast<double>(*i));
    }
  }
  if (std::holds_alternative<std::monostate>(value)) {
    if (nullable) return std::optional<T>();
    return column_error(name, "is NULL where " + std::string(type_name_of<T>()) +
                                  " was expected; read it with the optional getter");
  }
  return column_error(
      name, "is " + std::string(type_name(value)) + ", not " + std::string(type_name_of<T>()));
}

template <typename T>
Result<T> Row::get_required(std::size_t index) const {
  auto value = get<T>(index, false);
  if (!value) return std::move(value).error();
  return std::move(**value);
}

template <typename T>
Result<T> Row::get_required(std::string_view column) const {
  auto index = index_of(column);
  if (!index) return std::move(index).error();
  return get_required<T>(*index);
}

template <typename T>
Result<std::optional<T>> Row::get_optional(std::string_view column) const {
  auto index = index_of(column);
  if (!index) return std::move(index).error();
  return get<T>(*index, true);
}

Result<std::int64_t> Row::get_int(std::size_t i) const {
  return get_required<std::int64_t>(i);
}
Result<std::int64_t> Row::get_int(std::string_view c) const {
  return get_required<std::int64_t>(c);
}
Result<double> Row::get_double(std::size_t i) const {
  return get_required<double>(i);
}
Result<double> Row::get_double(std::string_view c) const {
  return get_required<double>(c);
}
Result<std::string> Row::get_text(std::size_t i) const {
  return get_required<std::string>(i);
}
Result<std::string> Row::get_text(std::string_view c) const {
  return get_required<std::string>(c);
}
Result<Blob> Row::get_blob(std::size_t i) const {
  return get_required<Blob>(i);
}
Result<Blob> Row::get_blob(std::string_view c) const {
  return get_required<Blob>(c);
}

Result<std::optional<std::int64_t>> Row::get_optional_int(std::size_t i) const {
  return get<std::int64_t>(i, true);
}
Result<std::optional<std::int64_t>> Row::get_optional_int(std::string_view c) const {
  return get_optional<std::int64_t>(c);
}
Result<std::optional<double>> Row::get_optional_double(std::size_t i) const {
  return get<double>(i, true);
}
Result<std::optional<double>> Row::get_optional_double(std::string_view c) const {
  return get_optional<double>(c);
}
Result<std::optional<std::string>> Row::get_optional_text(std::size_t i) const {
  return get<std::string>(i, true);
}
Result<std::optional<std::string>> Row::get_optional_text(std::string_view c) const {
  return get_optional<std::string>(c);
}
Result<std::optional<Blob>> Row::get_optional_blob(std::size_t i) const {
  return get<Blob>(i, true);
}
Result<std::optional<Blob>> Row::get_optional_blob(std::string_view c) const {
  return get_optional<Blob>(c);
}

Result<std::optional<Row>> Transaction::query_one(std::string_view sql,
                                                  const std::vector<Value>& params) {
  auto rows = query(sql, params);
  if (!rows) return std::move(rows).error();
  if (rows->size() > 1) {
    return Error(Code::kInvalidArgument, "",
                 "a query expected to return at most one row returned " +
                     std::to_string(rows->size()) + " (" + std::string(sql.substr(0, 80)) + ")");
  }
  if (rows->empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows->front()));
}

namespace {

Status run_once(Database& db, const TransactionOptions& options,
                const std::function<Status(Transaction&)>& work) {
  auto tx = db.begin(options);
  if (!tx) return std::move(tx).error();
  if (Status s = work(**tx); !s) return s;
  return (*tx)->commit();
}

}  // namespace

Status Database::with_transaction(const TransactionOptions& options,
                                  const std::function<Status(Transaction&)>& work,
                                  int max_attempts) {
  for (int attempt = 1;; ++attempt) {
    Status status = run_once(*this, options, work);
    if (status || status.error().code() != Code::kUnavailable || attempt >= max_attempts) {
      return status;
    }
    // The busy timeout has already waited; a short pause lets the other writer finish.
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
}

}  // namespace ward::store
