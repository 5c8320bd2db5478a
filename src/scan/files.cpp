#include "scan/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <unordered_set>
#include <utility>

#include "core/file.h"

namespace ward::scan {
namespace fs = std::filesystem;
using core::Code;
using core::Error;

namespace {

constexpr std::size_t kBinaryProbeBytes = 8 * 1024;
constexpr std::size_t kMaxIgnoreFileBytes = 1024 * 1024;

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// ---------------------------------------------------------------------------------------------
// .wardignore patterns

// One element of a glob that matches a single path component.
struct Token {
  enum class Kind { kChar, kAnyChar, kStar, kClass };
  Kind kind = Kind::kChar;
  unsigned char ch = 0;
  bool negated = false;                                         // kClass: [!…] or [^…]
  std::vector<std::pair<unsigned char, unsigned char>> ranges;  // kClass: inclusive ranges

  static Token of(Kind kind, unsigned char ch = 0) {
    Token token;
    token.kind = kind;
    token.ch = ch;
    return token;
  }

  bool matches(unsigned char c) const {
    switch (kind) {
      case Kind::kChar:
        return c == ch;
      case Kind::kAnyChar:
        return true;
      case Kind::kClass: {
        bool in = std::any_of(ranges.begin(), ranges.end(),
                              [c](const auto& r) { return c >= r.first && c <= r.second; });
        return in != negated;
      }
      case Kind::kStar:
        return false;
    }
    return false;
  }
};

// A path component's glob, or `**` (any number of components).
struct Segment {
  bool globstar = false;
  std::vector<Token> tokens;
};

struct Pattern {
  bool negated = false;
  bool directory_only = false;
  bool anchored = false;  // matched against the whole relative path, else against the last name
  std::vector<Segment> segments;
};

// Parses "[…]" starting at text[i] == '['; on success appends a class token and returns the index
// after ']', else returns i (the '[' is then a literal).
std::size_t parse_class(std::string_view text, std::size_t i, std::vector<Token>& tokens) {
  Token token;
  token.kind = Token::Kind::kClass;
  std::size_t j = i + 1;
  if (j < text.size() && (text[j] == '!' || text[j] == '^')) {
    token.negated = true;
    ++j;
  }
  bool first = true;
  while (j < text.size() && (text[j] != ']' || first)) {
    first = false;
    unsigned char low = static_cast<unsigned char>(text[j]);
    if (text[j] == '\\' && j + 1 < text.size()) low = static_cast<unsigned char>(text[++j]);
    unsigned char high = low;
    if (j + 2 < text.size() && text[j + 1] == '-' && text[j + 2] != ']') {
      j += 2;
      high = static_cast<unsigned char>(text[j]);
      if (text[j] == '\\' && j + 1 < text.size()) high = static_cast<unsigned char>(text[++j]);
    }
    if (low <= high) token.ranges.emplace_back(low, high);
    ++j;
  }
  if (j >= text.size()) return i;  // no closing ']'
  tokens.push_back(std::move(token));
  return j + 1;
}

Segment parse_segment(std::string_view text) {
  Segment segment;
  if (text == "**") {
    segment.globstar = true;
    return segment;
  }
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      segment.tokens.push_back(
          Token::of(Token::Kind::kChar, static_cast<unsigned char>(text[i + 1])));
      i += 2;
    } else if (c == '*') {
      // Consecutive stars inside a name are one star.
      if (segment.tokens.empty() || segment.tokens.back().kind != Token::Kind::kStar) {
        segment.tokens.push_back(Token::of(Token::Kind::kStar));
      }
      ++i;
    } else if (c == '?') {
      segment.tokens.push_back(Token::of(Token::Kind::kAnyChar));
      ++i;
    } else if (c == '[') {
      std::size_t next = parse_class(text, i, segment.tokens);
      if (next == i) {
        segment.tokens.push_back(Token::of(Token::Kind::kChar, static_cast<unsigned char>(c)));
        ++i;
      } else {
        i = next;
      }
    } else {
      segment.tokens.push_back(Token::of(Token::Kind::kChar, static_cast<unsigned char>(c)));
      ++i;
    }
  }
  return segment;
}

std::optional<Pattern> parse_pattern_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return std::nullopt;
  Pattern pattern;
  if (line.front() == '!') {
    pattern.negated = true;
    line.remove_prefix(1);
  }
  // Trailing spaces are dropped unless the last one is escaped.
  while (!line.empty() && line.back() == ' ' &&
         !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
    line.remove_suffix(1);
  }
  if (!line.empty() && line.back() == '/') {
    pattern.directory_only = true;
    line.remove_suffix(1);
  }
  pattern.anchored = line.find('/') != std::string_view::npos;
  while (!line.empty() && line.front() == '/') line.remove_prefix(1);
  while (!line.empty()) {
    const std::size_t slash = line.find('/');
    const std::string_view part = line.substr(0, slash);
    if (!part.empty()) pattern.segments.push_back(parse_segment(part));
    if (slash == std::string_view::npos) break;
    line.remove_prefix(slash + 1);
  }
  if (pattern.segments.empty()) return std::nullopt;
  return pattern;
}

std::vector<Pattern> parse_ignore_file(std::string_view text) {
  std::vector<Pattern> patterns;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    if (auto pattern = parse_pattern_line(text.substr(0, newline))) {
      patterns.push_back(std::move(*pattern));
    }
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return patterns;
}

// Glob match of one component: linear in practice, O(tokens × name) at worst (no backtracking
// blow-up, whatever the pattern).
bool match_tokens(const std::vector<Token>& tokens, std::string_view name) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t t = 0, s = 0, star_t = kNone, star_s = 0;
  while (s < name.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::Kind::kStar) {
      star_t = t++;
      star_s = s;
    } else if (t < tokens.size() && tokens[t].matches(static_cast<unsigned char>(name[s]))) {
      ++t;
      ++s;
    } else if (star_t != kNone) {
      t = star_t + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::Kind::kStar) ++t;
  return t == tokens.size();
}

// Anchored match of segments against path components; `**` matches zero or more components,
// except at the end, where it matches one or more ("dir/**" is what is inside dir, not dir).
bool match_segments(const std::vector<Segment>& segments,
                    const std::vector<std::string_view>& components) {
  const std::size_t rows = segments.size() + 1, cols = components.size() + 1;
  std::vector<signed char> memo(rows * cols, -1);
  auto match = [&](auto& self, std::size_t si, std::size_t ci) -> bool {
    signed char& cached = memo[si * cols + ci];
    if (cached >= 0) return cached != 0;
    bool result = false;
    if (si == segments.size()) {
      result = ci == components.size();
    } else if (segments[si].globstar) {
      if (si + 1 == segments.size()) {
        result = ci < components.size();
      } else {
        for (std::size_t k = ci; k <= components.size() && !result; ++k) {
          result = self(self, si + 1, k);
        }
      }
    } else {
      result = ci < components.size() && match_tokens(segments[si].tokens, components[ci]) &&
               self(self, si + 1, ci + 1);
    }
    cached = result ? 1 : 0;
    return result;
  };
  return match(match, 0, 0);
}

bool pattern_matches(const Pattern& pattern, const std::vector<std::string_view>& components,
                     bool is_directory) {
  if (components.empty()) return false;
  if (pattern.directory_only && !is_directory) return false;
  if (!pattern.anchored) {
    const Segment& only = pattern.segments.front();
    return only.globstar || match_tokens(only.tokens, components.back());
  }
  return match_segments(pattern.segments, components);
}

// The last matching pattern decides: true excluded, false re-included.
std::optional<bool> decide(const std::vector<Pattern>& patterns,
                           const std::vector<std::string_view>& components, bool is_directory) {
  for (auto it = patterns.rbegin(); it != patterns.rend(); ++it) {
    if (pattern_matches(*it, components, is_directory)) return !it->negated;
  }
  return std::nullopt;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> components;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") components.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return components;
}

// ---------------------------------------------------------------------------------------------
// The walk

// The rules of one .wardignore, placed relative to the walk.
struct IgnoreSet {
  // For a .wardignore above the walked directory: the components from its directory down to the
  // walked directory. Empty for one inside the walk.
  std::vector<std::string> above;
  // For one inside the walk: how many components below the walked directory its directory is.
  std::size_t depth = 0;
  std::vector<Pattern> patterns;
};

using FileId = std::pair<dev_t, ino_t>;

Error open_error(const fs::path& path, std::string_view doing, int error_number) {
  std::string message = fmt::format("cannot {}: {}", doing, core::errno_text(error_number));
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return Error(Code::kNotFound, path.string(), std::move(message));
    case EACCES:
    case EPERM:
      return Error(Code::kFailedPrecondition, path.string(), std::move(message));
    default:
      return Error(Code::kUnavailable, path.string(), std::move(message));
  }
}

// Reads a whole small file (a .wardignore) or says why not.
core::Result<std::string> read_small_file(const fs::path& path) {
  ScanLimits limits;
  limits.max_file_bytes = kMaxIgnoreFileBytes;
  return read_source(path, limits);
}

// The reason a symbolic link cannot be followed, from stat()'s errno.
std::string link_problem(const fs::path& link, int error_number) {
  if (error_number == ELOOP) return "symlink loop";
  if (error_number == ENOENT || error_number == ENOTDIR) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(link, ec);
    if (ec) return "broken symbolic link (its target does not exist)";
    return fmt::format("broken symbolic link (its target {} does not exist)", target.string());
  }
  return "cannot follow the symbolic link: " + core::errno_text(error_number);
}

// A path given by the user, as files under it are named: "./" removed, "." becoming empty.
fs::path display_root(const fs::path& given) {
  for (const auto& part : given) {
    if (part == "..") return given;  // lexical normalisation would be wrong across symlinks
  }
  fs::path normal = given.lexically_normal();
  if (normal == ".") return {};
  return normal;
}

fs::path os_path(const fs::path& display) {
  return display.empty() ? fs::path(".") : display;
}

class Walker {
 public:
  explicit Walker(const ScanLimits& limits) : limits_(limits) {}

  void walk_root(const fs::path& given);
  FileSet take() { return std::move(out_); }

 private:
  void walk_directory(const fs::path& dir, FileId id);
  void visit_entry(const fs::path& dir, const std::string& name, unsigned char type);
  void add_file(const fs::path& path, std::optional<Language> language);
  void add_readable_file(const fs::path& path, std::optional<Language> language);
  void skip(const fs::path& path, std::string reason) {
    out_.skipped.push_back({path, std::move(reason)});
  }
  bool ignored(bool is_directory) const;
  void load_ancestor_ignores(const fs::path& root);
  std::optional<std::vector<Pattern>> load_ignore_file(const fs::path& path);

  const ScanLimits& limits_;
  FileSet out_;
  bool full_ = false;                       // max_files reached: the walk stops
  std::unordered_set<std::string> listed_;  // paths in out_.files
  std::set<FileId> visited_;                // every directory walked
  std::vector<FileId> ancestors_;           // the directories on the current path (loop check)
  std::vector<IgnoreSet> ignores_;          // outermost first
  std::vector<std::string> components_;     // the current entry, relative to the walked root
};

std::optional<std::vector<Pattern>> Walker::load_ignore_file(const fs::path& path) {
  auto text = read_small_file(path);
  if (!text) {
    skip(path, text.error().message() + "; its rules were not applied");
    return std::nullopt;
  }
  return parse_ignore_file(*text);
}

void Walker::load_ancestor_ignores(const fs::path& root) {
  std::error_code ec;
  fs::path absolute = fs::absolute(os_path(root), ec);
  if (ec) return;
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute.has_parent_path()) absolute = absolute.parent_path();
  if (fs::exists(absolute / ".git", ec)) return;  // the root is the repository's root
  std::vector<fs::path> chain;                    // the parents, innermost first
  bool in_repository = false;
  for (fs::path dir = absolute; dir.has_parent_path() && dir.parent_path() != dir;) {
    dir = dir.parent_path();
    chain.push_back(dir);
    if (fs::exists(dir / ".git", ec)) {
      in_repository = true;
      break;
    }
  }
  if (!in_repository) return;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const fs::path file = *it / kIgnoreFileName;
    if (!fs::exists(file, ec)) continue;
    auto patterns = load_ignore_file(file);
    if (!patterns) continue;
    IgnoreSet set;
    const std::string above = absolute.lexically_relative(*it).generic_string();
    for (std::string_view part : split_path(above)) set.above.emplace_back(part);
    set.patterns = std::move(*patterns);
    ignores_.push_back(std::move(set));
  }
}

bool Walker::ignored(bool is_directory) const {
  std::vector<std::string_view> relative;
  for (auto set = ignores_.rbegin(); set != ignores_.rend(); ++set) {
    relative.clear();
    for (const auto& part : set->above) relative.push_back(part);
    for (std::size_t i = set->above.empty() ? set->depth : 0; i < components_.size(); ++i) {
      relative.push_back(components_[i]);
    }
    if (auto decision = decide(set->patterns, relative, is_directory)) return *decision;
  }
  return false;
}

void Walker::add_file(const fs::path& path, std::optional<Language> language) {
  if (full_) return;
  if (listed_.count(path.string()) != 0) return;
  if (out_.files.size() >= limits_.max_files) {
    full_ = true;
    skip(path, fmt::format("the limit of {} files was reached here; raise --max-files to scan "
                           "the rest",
                           limits_.max_files));
    return;
  }
  listed_.insert(path.string());
  out_.files.push_back({path, language});
}

void Walker::add_readable_file(const fs::path& path, std::optional<Language> language) {
  if (::access(os_path(path).c_str(), R_OK) != 0) {
    skip(path, open_error(path, "open it", errno).message());
    return;
  }
  add_file(path, language);
}

void Walker::walk_root(const fs::path& given) {
  if (full_) return;
  const fs::path root = display_root(given);
  struct stat info {};
  if (::stat(os_path(root).c_str(), &info) != 0) {
    const int error_number = errno;
    struct stat link_info {};
    if (::lstat(os_path(root).c_str(), &link_info) == 0 && S_ISLNK(link_info.st_mode)) {
      skip(root, link_problem(os_path(root), error_number));
    } else {
      skip(root, "cannot read it: " + core::errno_text(error_number));
    }
    return;
  }
  if (S_ISDIR(info.st_mode)) {
    const FileId id{info.st_dev, info.st_ino};
    if (visited_.count(id) != 0) return;  // the same directory given twice
    ignores_.clear();
    components_.clear();
    load_ancestor_ignores(root);
    walk_directory(root, id);
  } else if (S_ISREG(info.st_mode)) {
    add_readable_file(root, language_of(root));
  } else {
    skip(root, "not a regular file or directory");
  }
}

void Walker::walk_directory(const fs::path& dir, FileId id) {
  DIR* handle = ::opendir(os_path(dir).c_str());
  if (handle == nullptr) {
    skip(dir, "cannot list the directory: " + core::errno_text(errno));
    return;
  }
  std::vector<std::pair<std::string, unsigned char>> entries;
  errno = 0;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") entries.emplace_back(std::string(name), entry->d_type);
    errno = 0;
  }
  const int read_error = errno;
  ::closedir(handle);
  if (read_error != 0) {
    skip(dir, "cannot list the whole directory: " + core::errno_text(read_error));
  }
  std::sort(entries.begin(), entries.end());

  visited_.insert(id);
  ancestors_.push_back(id);
  bool has_ignore_file = false;
  for (const auto& [name, type] : entries) {
    if (name != kIgnoreFileName) continue;
    if (auto patterns = load_ignore_file(dir / name)) {
      ignores_.push_back({{}, components_.size(), std::move(*patterns)});
      has_ignore_file = true;
    }
  }
  for (const auto& [name, type] : entries) {
    if (full_) break;
    components_.push_back(name);
    visit_entry(dir, name, type);
    components_.pop_back();
  }
  if (has_ignore_file) ignores_.pop_back();
  ancestors_.pop_back();
}

void Walker::visit_entry(const fs::path& dir, const std::string& name, unsigned char type) {
  const fs::path path = dir.empty() ? fs::path(name) : dir / name;
  struct stat info {};
  bool have_info = false;
  bool is_link = type == DT_LNK;
  if (type == DT_UNKNOWN) {
    if (::lstat(path.c_str(), &info) != 0) {
      skip(path, "cannot read it: " + core::errno_text(errno));
      return;
    }
    is_link = S_ISLNK(info.st_mode);
    have_info = !is_link;
  }
  if (is_link) {
    if (::stat(path.c_str(), &info) != 0) {
      const int error_number = errno;
      if (!ignored(false)) skip(path, link_problem(path, error_number));
      return;
    }
    have_info = true;
  }
  const bool is_directory = have_info ? S_ISDIR(info.st_mode) : type == DT_DIR;
  const bool is_regular = have_info ? S_ISREG(info.st_mode) : type == DT_REG;
  if (!is_directory && !is_regular) return;  // FIFOs, sockets, devices

  if (is_directory) {
    if (std::find(std::begin(kDefaultSkippedDirectories), std::end(kDefaultSkippedDirectories),
                  name) != std::end(kDefaultSkippedDirectories)) {
      return;
    }
    if (ignored(true)) return;
    if (!have_info && ::stat(path.c_str(), &info) != 0) {
      skip(path, "cannot read the directory: " + core::errno_text(errno));
      return;
    }
    const FileId id{info.st_dev, info.st_ino};
    if (std::find(ancestors_.begin(), ancestors_.end(), id) != ancestors_.end()) {
      skip(path, "symlink loop");
      return;
    }
    if (visited_.count(id) != 0) return;  // reached before through another link
    walk_directory(path, id);
    return;
  }

  std::optional<Language> language = language_of(path);
  if (!language && !is_secret_text_file(path)) return;
  if (ignored(false)) return;
  add_readable_file(path, language);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

core::Result<FileSet> collect_files(const std::vector<fs::path>& paths, const ScanLimits& limits) {
  for (const auto& path : paths) {
    struct stat info {};
    if (::lstat(os_path(path).c_str(), &info) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
      return Error(Code::kInvalidArgument, path.string(),
                   "the path to scan does not exist; check its spelling");
    }
  }
  Walker walker(limits);
  for (const auto& path : paths) walker.walk_root(path);
  return walker.take();
}

bool is_secret_text_file(const fs::path& file) {
  static constexpr std::array<std::string_view, 17> kExtensions = {
      ".env", ".yaml", ".yml",  ".json", ".toml", ".ini",    ".cfg", ".conf", ".properties",
      ".xml", ".sh",   ".bash", ".zsh",  ".tf",   ".tfvars", ".pem", ".key"};
  static constexpr std::array<std::string_view, 7> kNames = {
      ".env", "dockerfile", ".npmrc", ".pypirc", ".netrc", ".git-credentials", ".dockercfg"};
  const std::string name = to_lower(file.filename().string());
  if (std::find(kNames.begin(), kNames.end(), name) != kNames.end()) return true;
  if (name.rfind(".env.", 0) == 0 || name.rfind("dockerfile.", 0) == 0) return true;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  const std::string_view extension = std::string_view(name).substr(dot);
  return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  if (bytes < kKiB) return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s");
  const std::uint64_t unit = bytes >= kGiB ? kGiB : bytes >= kMiB ? kMiB : kKiB;
  const std::string_view unit_name = unit == kGiB ? "GiB" : unit == kMiB ? "MiB" : "KiB";
  const std::uint64_t remainder = bytes % unit;
  // Tenths, rounded up: a size just over a limit never prints as the limit.
  std::uint64_t tenths = (bytes / unit) * 10 + (remainder * 10 + unit - 1) / unit;
  if (tenths % 10 == 0) return fmt::format("{} {}", tenths / 10, unit_name);
  return fmt::format("{}.{} {}", tenths / 10, tenths % 10, unit_name);
}

bool valid_utf8(std::string_view text, std::size_t* bad_offset) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  const auto fail = [&](std::size_t at) {
    if (bad_offset != nullptr) *bad_offset = at;
    return false;
  };
  while (i < size) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= size) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= size) break;
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // Unicode table 3-7: the well-formed sequences and the range of their second byte.
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3;
      low = 0xA0;  // no overlongs
    } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      length = 3;
    } else if (lead == 0xED) {
      length = 3;
      high = 0x9F;  // no surrogates
    } else if (lead == 0xF0) {
      length = 4;
      low = 0x90;  // no overlongs
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      length = 4;
    } else if (lead == 0xF4) {
      length = 4;
      high = 0x8F;  // nothing above U+10FFFF
    } else {
      return fail(i);  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + 1 >= size || bytes[i + 1] < low || bytes[i + 1] > high) return fail(i);
    for (std::size_t k = 2; k < length; ++k) {
      if (i + k >= size || (bytes[i + k] & 0xC0) != 0x80) return fail(i);
    }
    i += length;
  }
  return true;
}

core::Result<std::string> read_source(const fs::path& path, const ScanLimits& limits) {
  // O_NONBLOCK: opening a FIFO must not hang the scan (the fstat below then refuses it).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return open_error(path, "open it", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error_number = errno;
    ::close(fd);
    return open_error(path, "read it", error_number);
  }
  const auto too_large = [&](std::uint64_t size) {
    const std::uint64_t limit = limits.max_file_bytes;
    const std::string limit_text =
        limit < 1024 ? fmt::format("{}-byte", limit) : format_size(limit);
    return Error(Code::kResourceExhausted, path.string(),
                 fmt::format("{} is over the {} limit; raise --max-file-size to scan it",
                             format_size(size), limit_text));
  };
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error(Code::kInvalidArgument, path.string(), "not a regular file");
  }
  const auto file_size = static_cast<std::uint64_t>(info.st_size);
  if (file_size > limits.max_file_bytes) {
    ::close(fd);
    return too_large(file_size);
  }
  // Read one byte past the limit to notice a file that grew since fstat.
  const std::uint64_t cap = limits.max_file_bytes + 1;
  std::string text;
  text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(file_size + 1, cap)));
  std::size_t size = 0;
  for (;;) {
    if (size == text.size()) {
      if (text.size() >= cap) break;
      text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(text.size() * 2 + 4096, cap)));
    }
    const ssize_t got = ::read(fd, text.data() + size, text.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error_number = errno;
      ::close(fd);
      return open_error(path, "read it", error_number);
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  text.resize(size);
  if (size > limits.max_file_bytes) return too_large(size);

  const std::size_t probe = std::min(size, kBinaryProbeBytes);
  if (const void* nul = std::memchr(text.data(), '\0', probe)) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    return Error(Code::kInvalidArgument, path.string(),
                 fmt::format("binary file (a NUL byte at offset {})", offset));
  }
  std::size_t bad = 0;
  if (!valid_utf8(text, &bad)) {
    return Error(Code::kInvalidArgument, path.string(),
                 fmt::format("not valid UTF-8 (the first invalid byte is at offset {})", bad));
  }
  return text;
}

std::optional<bool> wardignore_decision(std::string_view rules_text, std::string_view relative_path,
                                        bool is_directory) {
  return decide(parse_ignore_file(rules_text), split_path(relative_path), is_directory);
}

}  // namespace ward::scan
