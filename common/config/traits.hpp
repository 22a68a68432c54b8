#pragma once
// Type traits the loader, printer and reference share to walk a description.
#include <concepts>
#include <optional>
#include <type_traits>
#include <vector>

namespace pb::config::detail {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// A visitor that only records whether describe() exists for T.
struct Probe {
  template <class T, class C = int>
  void field(const char*, T&, const auto&, C = {}) {}
};

template <class T>
concept Described = requires(Probe& p, T& t) {
  describe(p, t);
};

template <class T>
struct is_table_array : std::false_type {};
template <Described T>
struct is_table_array<std::vector<T>> : std::true_type {};

template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool>;

}  // namespace pb::config::detail
