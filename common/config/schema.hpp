#pragma once
// The declarative description of configuration keys.
//
// Every configuration struct has a `describe(V& v, Struct& s)` template (found by ADL) that names each key
// once: `v.field("domain", s.domain, Key{.doc = "...", .required = true}, check_domain)`. The type comes
// from the member, the default from its initializer, range and doc from `Key`, extra validation from the
// optional check. The same description drives loading with diagnostics (loader.cpp), printing the
// effective configuration (printer.cpp) and the reference documentation, so they cannot disagree.
//
// Member types a description may use: bool, integers, double, std::string, Ipv4Address, Ipv4Prefix,
// config::Value (any TOML scalar or array, validated by the section's own check), another described struct
// (a sub-table), std::vector of any of these (arrays, or arrays of tables), std::optional of any of them.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pb::config {

struct Key {
  std::string_view doc;
  bool required = false;
  std::int64_t min = std::numeric_limits<std::int64_t>::min();  // integers only
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

// A value whose type the section decides after loading (a DHCP option's value is an address, a list,
// a number or a string depending on the option code). Keeps the TOML type it was written with.
struct Value {
  using Array = std::vector<Value>;
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array> data;

  bool operator==(const Value&) const = default;
};

// A check returns an empty string when the value is fine, otherwise the message to report.
// The default: accept everything.
struct NoCheck {
  template <class T>
  std::string operator()(const T&) const {
    return {};
  }
};

}  // namespace pb::config
