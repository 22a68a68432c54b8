#include "common/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace pb::metrics {
namespace {

std::string label_text(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string text = "{";
  for (const auto& [k, v] : labels) {
    if (text.size() > 1) text += ',';
    text += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') text += '\\';
      if (c == '\n') {
        text += "\\n";
        continue;
      }
      text += c;
    }
    text += '"';
  }
  if (!extra.empty()) {
    if (text.size() > 1) text += ',';
    text += extra;
  }
  return text + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::vector<double> latency_buckets() {
  return {10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1.0};
}

Registry::Entry* Registry::find(const std::string& name, const Labels& labels) {
  for (auto& e : entries_)
    if (e.name == name && e.labels == labels) return &e;
  return nullptr;
}

Counter& Registry::counter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mutex_);
  if (auto* e = find(name, labels); e != nullptr && e->counter != nullptr) return *e->counter;
  auto& c = counters_.emplace_back();
  entries_.push_back({name, help, "counter", std::move(labels), &c, nullptr, nullptr});
  return c;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mutex_);
  if (auto* e = find(name, labels); e != nullptr && e->gauge != nullptr) return *e->gauge;
  auto& g = gauges_.emplace_back();
  entries_.push_back({name, help, "gauge", std::move(labels), nullptr, &g, nullptr});
  return g;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                               Labels labels) {
  std::lock_guard lock(mutex_);
  if (auto* e = find(name, labels); e != nullptr && e->histogram != nullptr) return *e->histogram;
  auto& h = histograms_.emplace_back(std::move(bounds));
  entries_.push_back({name, help, "histogram", std::move(labels), nullptr, nullptr, &h});
  return h;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::set<std::string> described;
  // Group samples of one name together, as the exposition format requires.
  std::vector<const Entry*> sorted;
  for (const auto& e : entries_) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const Entry* e : sorted) {
    if (described.insert(e->name).second)
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", e->name, e->help, e->name, e->type);
    if (e->counter) out += fmt::format("{}{} {}\n", e->name, label_text(e->labels), e->counter->value());
    if (e->gauge) out += fmt::format("{}{} {}\n", e->name, label_text(e->labels), e->gauge->value());
    if (e->histogram) {
      const Histogram& h = *e->histogram;
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < h.bounds().size(); ++i) {
        cumulative += h.bucket(i);
        out += fmt::format("{}_bucket{} {}\n", e->name, label_text(e->labels, fmt::format("le=\"{}\"", h.bounds()[i])),
                           cumulative);
      }
      out += fmt::format("{}_bucket{} {}\n", e->name, label_text(e->labels, "le=\"+Inf\""), h.count());
      out += fmt::format("{}_sum{} {}\n", e->name, label_text(e->labels), h.sum());
      out += fmt::format("{}_count{} {}\n", e->name, label_text(e->labels), h.count());
    }
  }
  return out;
}

}  // namespace pb::metrics
