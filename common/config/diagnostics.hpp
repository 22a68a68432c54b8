#pragma once
// Configuration diagnostics: every error names its place as `file:line:col: key.path: message`.
// Loading collects all of them so an administrator fixes a file in one pass.
#include <map>
#include <string>
#include <vector>

namespace pb::config {

struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  SourcePos pos;
  std::string key;  // "site.call_server[1].address"; empty for file-level problems
  std::string message;

  std::string str() const;  // "site.toml:14:11: dhcpd.pool[0].end: '10.250.0.300' is not an IPv4 address"
};

class Diagnostics {
 public:
  void error(SourcePos pos, std::string key, std::string message);
  void warning(SourcePos pos, std::string key, std::string message);
  bool has_errors() const noexcept;
  const std::vector<Diagnostic>& all() const noexcept { return list_; }
  std::string str() const;  // one line per diagnostic
  // Orders by file, line and column (stable: one place's diagnostics keep the order they were found in),
  // so an administrator reads them top to bottom beside the file.
  void sort_by_position();

 private:
  std::vector<Diagnostic> list_;
};

// Where each key path was written, kept with the model so that checks running after the load (overlapping
// pools, cross-service rules) can still point at a line. A path never written maps to its nearest written
// parent ("dhcpd.subnet[0]" for a missing "dhcpd.subnet[0].pool").
class Positions {
 public:
  void record(const std::string& key, SourcePos pos) { map_[key] = std::move(pos); }
  SourcePos find(std::string key) const;

 private:
  std::map<std::string, SourcePos> map_;
};

// What a check needs to report: the positions of the loaded set and the list to add to.
class Reporter {
 public:
  Reporter(const Positions& positions, Diagnostics& out) : positions_(positions), out_(out) {}
  void error(const std::string& key, std::string message) { out_.error(positions_.find(key), key, std::move(message)); }
  void warning(const std::string& key, std::string message) {
    out_.warning(positions_.find(key), key, std::move(message));
  }

 private:
  const Positions& positions_;
  Diagnostics& out_;
};

}  // namespace pb::config
