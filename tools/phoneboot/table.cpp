#include "tools/phoneboot/table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pb::tools {

std::string Table::str() const {
  std::vector<std::size_t> width(rows_.front().size(), 0);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i)
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], width[i]) : row[i];
    out += line + '\n';
  }
  return out;
}

}  // namespace pb::tools
