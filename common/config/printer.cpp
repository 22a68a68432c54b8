// Model -> TOML text (the effective configuration) and the key reference, both walked from describe().
#include <toml++/toml.h>

#include <sstream>

#include "common/config/model.hpp"
#include "common/config/traits.hpp"

namespace pb::config {
namespace {

toml::array to_array(const Value::Array& items);

void insert_value(toml::table& out, const std::string& name, const Value& v) {
  std::visit(
      [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, Value::Array>)
          out.insert(name, to_array(x));
        else if constexpr (!std::is_same_v<X, std::monostate>)
          out.insert(name, x);
      },
      v.data);
}

toml::array to_array(const Value::Array& items) {
  toml::array array;
  for (const auto& item : items) {
    toml::table holder;
    insert_value(holder, "v", item);
    if (auto* node = holder.get("v")) array.push_back(std::move(*node));
  }
  return array;
}

class Printer {
 public:
  explicit Printer(toml::table& out) : out_(out) {}

  template <class T, class C = NoCheck>
  void field(const char* name, T& value, const Key&, C = {}) {
    put(name, value);
  }

 private:
  template <class T>
  static void append(toml::array& array, T& item) {
    toml::table holder;
    Printer p(holder);
    p.put("v", item);
    if (auto* node = holder.get("v")) array.push_back(std::move(*node));
  }

  template <class T>
  void put(const std::string& name, T& value) {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
      out_.insert(name, value);
    } else if constexpr (detail::Integer<T>) {
      out_.insert(name, static_cast<std::int64_t>(value));
    } else if constexpr (std::is_same_v<T, Ipv4Address> || std::is_same_v<T, Ipv4Prefix>) {
      out_.insert(name, value.str());
    } else if constexpr (std::is_same_v<T, Value>) {
      insert_value(out_, name, value);
    } else if constexpr (detail::is_optional<T>::value) {
      if (value) put(name, *value);
    } else if constexpr (detail::is_vector<T>::value) {
      toml::array array;
      for (auto& item : value) append(array, item);
      out_.insert(name, std::move(array));
    } else if constexpr (detail::Described<T>) {
      toml::table sub;
      Printer p(sub);
      describe(p, value);
      out_.insert(name, std::move(sub));
    } else {
      static_assert(sizeof(T) == 0, "configuration member type has no printer");
    }
  }

  toml::table& out_;
};

// Lists every key: path, type, default, doc.
class Referencer {
 public:
  Referencer(std::ostream& out, std::string path) : out_(out), path_(std::move(path)) {}

  template <class T, class C = NoCheck>
  void field(const char* name, T& value, const Key& key, C = {}) {
    const std::string path = path_.empty() ? name : path_ + "." + name;
    if constexpr (detail::Described<T>) {
      out_ << "[" << path << "]  " << key.doc << "\n";
      Referencer sub(out_, path);
      describe(sub, value);
    } else if constexpr (detail::is_table_array<T>::value) {
      out_ << "[[" << path << "]]  " << key.doc << "\n";
      typename T::value_type item{};
      Referencer sub(out_, path);
      describe(sub, item);
    } else {
      toml::table holder;
      Printer p(holder);
      p.field("v", value, key);
      std::ostringstream dflt;
      if (auto* node = holder.get("v")) dflt << toml::toml_formatter(toml::table{{"v", *node}});
      std::string d = dflt.str();
      if (auto eq = d.find("= "); eq != std::string::npos) d = d.substr(eq + 2);
      while (!d.empty() && d.back() == '\n') d.pop_back();
      out_ << "  " << path << (key.required ? " (required)" : " = " + (d.empty() ? std::string("(unset)") : d))
           << "  # " << key.doc << "\n";
    }
  }

 private:
  std::ostream& out_;
  std::string path_;
};

}  // namespace

std::string print(const Model& model) {
  Model copy = model;  // describe() takes the struct by reference; printing must not touch the original
  toml::table root;
  Printer printer(root);
  describe(printer, copy);
  std::ostringstream out;
  out << "# effective phoneboot configuration (defaults filled in)\n" << toml::toml_formatter(root) << "\n";
  return out.str();
}

std::string reference() {
  Model defaults;
  std::ostringstream out;
  Referencer r(out, "");
  describe(r, defaults);
  return out.str();
}

std::vector<std::string> summaries(const Model& model) {
  return {summary_dhcpd(model), summary_dnsd(model), summary_sntpd(model), summary_provisiond(model)};
}

}  // namespace pb::config
