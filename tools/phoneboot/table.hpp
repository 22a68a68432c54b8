#pragma once
// The operator tools' tables: columns padded to their widest cell, two spaces apart; the last one is not
// padded, so a line carries no trailing blanks.
#include <string>
#include <vector>

namespace pb::tools {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace pb::tools
