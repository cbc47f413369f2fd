#include "tests/support/rolling_update.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace rg::testing {

using nlohmann::json;

int64_t scaledIntOrPercent(const json& value, int64_t total, bool roundUp) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return 0;
  const std::string text = value.get<std::string>();
  if (text.empty() || text.back() != '%') return 0;
  const double percent = std::strtod(text.c_str(), nullptr);
  const double exact = percent * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(roundUp ? std::ceil(exact) : std::floor(exact));
}

std::pair<int64_t, int64_t> surgeAndUnavailable(const json& spec, int64_t replicas) {
  const json strategy = spec.value("strategy", json::object());
  if (strategy.value("type", "RollingUpdate") != "RollingUpdate") return {0, replicas};
  const json rolling = strategy.value("rollingUpdate", json::object());
  const int64_t surge = scaledIntOrPercent(rolling.value("maxSurge", json("25%")), replicas, true);
  int64_t unavailable =
      scaledIntOrPercent(rolling.value("maxUnavailable", json("25%")), replicas, false);
  if (surge == 0 && unavailable == 0) unavailable = 1;
  return {surge, std::min(unavailable, replicas)};
}

namespace {

int64_t sumReplicas(const std::vector<ReplicaSetCounts>& sets) {
  int64_t sum = 0;
  for (const auto& rs : sets) sum += rs.replicas;
  return sum;
}

}  // namespace

int64_t newReplicaSetReplicas(int64_t replicas, int64_t maxSurge, const ReplicaSetCounts& newRs,
                              const std::vector<ReplicaSetCounts>& oldRs) {
  if (newRs.replicas >= replicas) return replicas;  // scaled down to the Deployment's size
  const int64_t current = newRs.replicas + sumReplicas(oldRs);
  const int64_t maxTotal = replicas + maxSurge;
  if (current >= maxTotal) return newRs.replicas;
  return newRs.replicas + std::min(maxTotal - current, replicas - newRs.replicas);
}

std::vector<int64_t> oldReplicaSetReplicas(int64_t replicas, int64_t maxUnavailable,
                                           const ReplicaSetCounts& newRs,
                                           const std::vector<ReplicaSetCounts>& oldRs) {
  std::vector<int64_t> out;
  for (const auto& rs : oldRs) out.push_back(rs.replicas);
  if (sumReplicas(oldRs) == 0) return out;
  const int64_t all = newRs.replicas + sumReplicas(oldRs);
  const int64_t minAvailable = replicas - maxUnavailable;
  const int64_t newUnavailable = newRs.replicas - newRs.available;
  const int64_t maxScaledDown = all - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;

  // cleanupUnhealthyReplicas: old pods that are not available cost no availability.
  int64_t cleaned = 0;
  for (size_t i = 0; i < oldRs.size() && cleaned < maxScaledDown; ++i) {
    const int64_t unhealthy = std::max<int64_t>(0, out[i] - oldRs[i].available);
    const int64_t down = std::min(maxScaledDown - cleaned, unhealthy);
    out[i] -= down;
    cleaned += down;
  }

  // scaleDownOldReplicaSetsForRollingUpdate: available old pods while enough stay available.
  int64_t available = newRs.available;
  for (const auto& rs : oldRs) available += rs.available;
  if (available <= minAvailable) return out;
  int64_t toScaleDown = available - minAvailable;
  for (size_t i = 0; i < out.size() && toScaleDown > 0; ++i) {
    const int64_t down = std::min(out[i], toScaleDown);
    out[i] -= down;
    toScaleDown -= down;
  }
  return out;
}

}  // namespace rg::testing
