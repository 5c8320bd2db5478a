#include <gtest/gtest.h>

#include "store/store.h"

namespace ward::store {
namespace {

using core::Code;

Row sample_row() {
  auto columns = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"id", "ratio", "name", "key", "note", "dup", "dup"});
  return Row(columns, {std::int64_t{7}, 0.5, std::string("alice"), Blob{{0x00, 0xff}},
                       std::monostate{}, std::int64_t{1}, std::int64_t{2}});
}

TEST(StoreRowTest, TypedGettersByNameAndIndex) {
  Row row = sample_row();
  EXPECT_EQ(*row.get_int("id"), 7);
  EXPECT_EQ(*row.get_int(0), 7);
  EXPECT_EQ(*row.get_double("ratio"), 0.5);
  EXPECT_EQ(*row.get_text("name"), "alice");
  EXPECT_EQ(*row.get_blob("key"), (Blob{{0x00, 0xff}}));
  EXPECT_EQ(*row.get_blob(3), (Blob{{0x00, 0xff}}));
}

TEST(StoreRowTest, DoubleGetterWidensIntegers) {
  EXPECT_EQ(*sample_row().get_double("id"), 7.0);
}

TEST(StoreRowTest, TypeMismatchNamesColumnAndTypes) {
  auto text_as_int = sample_row().get_int("name");
  ASSERT_FALSE(text_as_int.ok());
  EXPECT_EQ(text_as_int.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(text_as_int.error().to_string(), "column name: is TEXT, not INTEGER");

  auto blob_as_text = sample_row().get_text("key");
  ASSERT_FALSE(blob_as_text.ok());
  EXPECT_EQ(blob_as_text.error().to_string(), "column key: is BLOB, not TEXT");

  auto real_as_int = sample_row().get_int(1);
  ASSERT_FALSE(real_as_int.ok());
  EXPECT_EQ(real_as_int.error().to_string(), "column ratio: is REAL, not INTEGER");
}

TEST(StoreRowTest, NullNeedsTheOptionalGetter) {
  Row row = sample_row();
  auto required = row.get_text("note");
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.error().code(), Code::kInvalidArgument);
  EXPECT_NE(required.error().to_string().find("column note: is NULL"), std::string::npos);

  EXPECT_EQ(*row.get_optional_text("note"), std::nullopt);
  EXPECT_EQ(*row.get_optional_int("note"), std::nullopt);
  EXPECT_EQ(*row.get_optional_double("note"), std::nullopt);
  EXPECT_EQ(*row.get_optional_blob("note"), std::nullopt);
  EXPECT_EQ(*row.get_optional_int("id"), std::optional<std::int64_t>(7));
  EXPECT_EQ(*row.get_optional_text(2), std::optional<std::string>("alice"));
}

TEST(StoreRowTest, OptionalGetterStillRejectsOtherTypes) {
  auto result = sample_row().get_optional_blob("name");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().to_string(), "column name: is TEXT, not BLOB");
}

TEST(StoreRowTest, UnknownAmbiguousAndOutOfRangeColumnsAreErrors) {
  Row row = sample_row();
  auto unknown = row.get_int("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(unknown.error().to_string(), "column nope: the result has no such column");

  auto ambiguous = row.get_int("dup");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().message().find("two columns"), std::string::npos);

  auto out_of_range = row.get_optional_int(7);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().to_string(), "column 7: the result has only 7 columns");
}

TEST(StoreRowTest, TypeNames) {
  EXPECT_EQ(type_name(Value{}), "NULL");
  EXPECT_EQ(type_name(Value{std::int64_t{1}}), "INTEGER");
  EXPECT_EQ(type_name(Value{1.5}), "REAL");
  EXPECT_EQ(type_name(Value{std::string("x")}), "TEXT");
  EXPECT_EQ(type_name(Value{Blob{}}), "BLOB");
}

}  // namespace
}  // namespace ward::store
