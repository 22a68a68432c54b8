// TOML -> typed model. Every problem becomes a diagnostic with file:line:col; nothing here throws past load().
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "common/config/model.hpp"
#include "common/config/traits.hpp"

namespace pb::config {
namespace {

SourcePos position_of(const toml::source_region& region) {
  return {region.path ? std::filesystem::path(*region.path).filename().string() : std::string("site.toml"),
          static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

class Loader {
 public:
  Loader(const toml::table& table, std::string path, SourcePos table_pos, Diagnostics& diags, Positions& positions)
      : table_(table), path_(std::move(path)), table_pos_(std::move(table_pos)), diags_(diags), positions_(positions) {}

  template <class T, class Check = NoCheck>
  void field(const char* name, T& out, const Key& key, Check check = {}) {
    seen_.insert(name);
    const std::string path = join(name);
    const toml::node* node = table_.get(name);
    if (node == nullptr) {
      if (key.required) diags_.error(table_pos_, path, "missing required key");
      return;
    }
    positions_.record(path, position_of(node->source()));
    T value = out;  // starts from the default, so a sub-table keeps defaults for keys it does not set
    if (!read(*node, path, key, value)) return;
    if (std::string message = check(value); !message.empty()) {
      diags_.error(position_of(node->source()), path, std::move(message));
      return;
    }
    out = std::move(value);
  }

  // Keys written but never described are errors: a typo must not be silently ignored.
  void finish() {
    for (const auto& [k, v] : table_) {
      if (seen_.count(std::string(k.str())) != 0) continue;
      diags_.error(position_of(k.source()), join(std::string(k.str())),
                   path_.empty() ? "unknown section" : "unknown key");
    }
  }

 private:
  std::string join(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

  template <class T>
  bool read(const toml::node& node, const std::string& path, const Key& key, T& out) {
    const SourcePos pos = position_of(node.source());
    auto wrong_type = [&](std::string_view expected) {
      diags_.error(pos, path, "expected " + std::string(expected) + ", got " + type_name(node));
      return false;
    };
    if constexpr (std::is_same_v<T, bool>) {
      auto v = node.value<bool>();
      if (!node.is_boolean() || !v) return wrong_type("a boolean");
      out = *v;
    } else if constexpr (detail::Integer<T>) {
      if (!node.is_integer()) return wrong_type("an integer");
      const std::int64_t v = node.as_integer()->get();
      const std::int64_t lo = std::max<std::int64_t>(key.min, std::numeric_limits<T>::min());
      const std::int64_t hi =
          std::min<std::uint64_t>(static_cast<std::uint64_t>(key.max), std::numeric_limits<T>::max());
      if (v < lo || v > hi) {
        diags_.error(pos, path,
                     std::to_string(v) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
        return false;
      }
      out = static_cast<T>(v);
    } else if constexpr (std::is_same_v<T, double>) {
      if (node.is_integer())
        out = static_cast<double>(node.as_integer()->get());
      else if (node.is_floating_point())
        out = node.as_floating_point()->get();
      else
        return wrong_type("a number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!node.is_string()) return wrong_type("a string");
      out = node.as_string()->get();
    } else if constexpr (std::is_same_v<T, Ipv4Address>) {
      if (!node.is_string()) return wrong_type("an IPv4 address in a string");
      auto a = Ipv4Address::parse(node.as_string()->get());
      if (!a) {
        diags_.error(pos, path, "'" + node.as_string()->get() + "' is not an IPv4 address");
        return false;
      }
      out = *a;
    } else if constexpr (std::is_same_v<T, Ipv4Prefix>) {
      if (!node.is_string()) return wrong_type("an IPv4 prefix in a string");
      auto p = Ipv4Prefix::parse(node.as_string()->get());
      if (!p) {
        diags_.error(pos, path,
                     "'" + node.as_string()->get() + "' is not an IPv4 address with a prefix length (a.b.c.d/n)");
        return false;
      }
      out = *p;
    } else if constexpr (std::is_same_v<T, Value>) {
      return read_value(node, path, out);
    } else if constexpr (detail::is_optional<T>::value) {
      typename T::value_type inner{};
      if (!read(node, path, key, inner)) return false;
      out = std::move(inner);
    } else if constexpr (detail::is_vector<T>::value) {
      const toml::array* array = node.as_array();
      if (array == nullptr) return wrong_type(detail::is_table_array<T>::value ? "an array of tables" : "an array");
      T items;
      bool good = true;
      for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item_path = path + "[" + std::to_string(i) + "]";
        positions_.record(item_path, position_of((*array)[i].source()));
        typename T::value_type item{};
        good = read((*array)[i], item_path, key, item) && good;
        items.push_back(std::move(item));
      }
      if (!good) return false;
      out = std::move(items);
    } else if constexpr (detail::Described<T>) {
      const toml::table* table = node.as_table();
      if (table == nullptr) return wrong_type("a table");
      const std::size_t errors_before = diags_.all().size();
      Loader sub(*table, path, pos, diags_, positions_);
      describe(sub, out);
      sub.finish();
      return diags_.all().size() == errors_before;
    } else {
      static_assert(sizeof(T) == 0, "configuration member type has no loader");
    }
    return true;
  }

  bool read_value(const toml::node& node, const std::string& path, Value& out) {
    if (auto s = node.as_string())
      out.data = s->get();
    else if (auto n = node.as_integer())
      out.data = n->get();
    else if (auto f = node.as_floating_point())
      out.data = f->get();
    else if (auto b = node.as_boolean())
      out.data = b->get();
    else if (auto a = node.as_array()) {
      Value::Array items;
      for (std::size_t i = 0; i < a->size(); ++i) {
        Value item;
        if (!read_value((*a)[i], path + "[" + std::to_string(i) + "]", item)) return false;
        items.push_back(std::move(item));
      }
      out.data = std::move(items);
    } else {
      diags_.error(position_of(node.source()), path,
                   "expected a string, number, boolean or array, got " + type_name(node));
      return false;
    }
    return true;
  }

  const toml::table& table_;
  std::string path_;
  SourcePos table_pos_;
  Diagnostics& diags_;
  Positions& positions_;
  std::set<std::string, std::less<>> seen_;
};

bool parse_into(const std::string& text, const std::string& file_name, toml::table& out, Diagnostics& diags) {
  try {
    out = toml::parse(text, file_name);
    return true;
  } catch (const toml::parse_error& e) {
    SourcePos pos = position_of(e.source());
    pos.file = file_name;
    diags.error(pos, "", std::string(e.description()));
    return false;
  }
}

// The top-level sections ("site", "dhcpd", ...) that hold a key-level error.
std::set<std::string> sections_with_errors(const Diagnostics& diags) {
  std::set<std::string> out;
  for (const auto& d : diags.all()) {
    if (d.severity != Diagnostic::Severity::error) continue;
    out.insert(d.key.substr(0, d.key.find_first_of(".[")));
  }
  return out;
}

LoadResult finish_load(toml::table& root, const std::string& directory, Diagnostics diags) {
  auto model = std::make_shared<Model>();
  model->directory = directory;
  model->positions.record("", {"site.toml", 1, 1});
  Loader loader(root, "", {"site.toml", 1, 1}, diags, model->positions);
  describe(loader, *model);
  loader.finish();
  // Cross-key checks of a section run on values that loaded: a section whose own keys (or the site's, which
  // every section derives from) failed would be checked against defaults and report errors that are not
  // there. Every other section is still checked, so one typo does not hide an overlapping pool elsewhere.
  const std::set<std::string> failed = sections_with_errors(diags);
  const bool site_ok = !failed.contains("site");
  Reporter report(model->positions, diags);
  if (site_ok) check_site(*model, report);
  const std::pair<const char*, void (*)(const Model&, Reporter&)> checks[] = {
      {"dhcpd", check_dhcpd}, {"dnsd", check_dnsd}, {"sntpd", check_sntpd}, {"provisiond", check_provisiond}};
  for (const auto& [section, check] : checks)
    if (site_ok && !failed.contains(section)) check(*model, report);
  if (diags.has_errors()) return {nullptr, std::move(diags)};
  return {std::move(model), std::move(diags)};
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

LoadResult load_text_unsorted(const std::string& text, const std::string& directory) {
  Diagnostics diags;
  toml::table root;
  if (!parse_into(text, "site.toml", root, diags)) return {nullptr, std::move(diags)};
  return finish_load(root, directory, std::move(diags));
}

LoadResult load_unsorted(const std::string& directory) {
  namespace fs = std::filesystem;
  Diagnostics diags;
  const fs::path dir(directory);
  auto site_text = read_file(dir / "site.toml");
  if (!site_text) {
    diags.error({(dir / "site.toml").string(), 0, 0}, "",
                std::string("cannot read the site file (") + std::strerror(errno) + ")");
    return {nullptr, std::move(diags)};
  }
  toml::table root;
  // A syntax error in one file still lets the others be parsed, so every file's syntax errors come at once.
  const bool site_parsed = parse_into(*site_text, "site.toml", root, diags);
  // A service file holds its section's keys at top level; each key overrides the same key of [service]
  // in site.toml, so a site can keep small settings inline and move big ones (pools, zones) out.
  for (const char* service : kServiceNames) {
    const fs::path file = dir / (std::string(service) + ".toml");
    auto text = read_file(file);
    if (!text) continue;
    toml::table extra;
    if (!parse_into(*text, file.filename().string(), extra, diags) || !site_parsed) continue;
    toml::table* section = root[service].as_table();
    if (section == nullptr) {
      // Inserted whole, the parsed document keeps its own file name for positions.
      if (!root.contains(service)) root.insert(service, std::move(extra));
      continue;  // otherwise [service] is not a table in site.toml, and the loader reports that
    }
    for (auto&& [key, node] : extra) section->insert_or_assign(key, std::move(node));
  }
  if (diags.has_errors()) return {nullptr, std::move(diags)};
  return finish_load(root, directory, std::move(diags));
}

}  // namespace

LoadResult load_text(const std::string& text, const std::string& directory) {
  auto result = load_text_unsorted(text, directory);
  result.diagnostics.sort_by_position();
  return result;
}

LoadResult load(const std::string& directory) {
  auto result = load_unsorted(directory);
  result.diagnostics.sort_by_position();
  return result;
}

}  // namespace pb::config
