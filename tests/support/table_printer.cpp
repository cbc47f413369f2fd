#include "tests/support/table_printer.hpp"

#include <functional>

#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

struct Column {
  std::string name;
  std::string type;
  std::string format;
  std::string description;
  int priority = 0;
  std::function<json(const json&)> cell;
};

std::string age(const json& obj) {
  const auto ts = obj.value("/metadata/creationTimestamp"_json_pointer, std::string());
  auto t = parseRfc3339(ts);
  if (!t) return "<unknown>";
  return humanDuration(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
}

int64_t intAt(const json& obj, const char* pointer) {
  const auto* v = &obj;
  try {
    v = &obj.at(json::json_pointer(pointer));
  } catch (const json::exception&) {
    return 0;
  }
  return v->is_number() ? v->get<int64_t>() : 0;
}

std::string joined(const json& items, const char* field) {
  std::string out;
  if (!items.is_array()) return out;
  for (const auto& c : items) {
    if (!out.empty()) out += ",";
    out += c.value(field, "");
  }
  return out;
}

std::string selectorText(const json& selector) {
  std::string out;
  const json matchLabels =
      selector.is_object() ? selector.value("matchLabels", json::object()) : json::object();
  for (const auto& [k, v] : matchLabels.items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + scalarText(v);
  }
  return out;
}

Column nameColumn() {
  return {"Name",
          "string",
          "name",
          "Name must be unique within a namespace. Cannot be updated. More info: "
          "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
          0,
          [](const json& o) { return o.value("/metadata/name"_json_pointer, std::string()); }};
}

Column ageColumn() {
  return {"Age",
          "string",
          "",
          "CreationTimestamp is a timestamp representing the server time when this object was "
          "created.",
          0,
          [](const json& o) { return age(o); }};
}

std::vector<Column> builtinColumns(const ResourceInfo& info) {
  const std::string gk = info.group + "/" + info.kind;
  if (gk == "apps/Deployment") {
    return {
        nameColumn(),
        {"Ready", "string", "", "Number of the pod with ready state", 0,
         [](const json& o) {
           return std::to_string(intAt(o, "/status/readyReplicas")) + "/" +
                  std::to_string(intAt(o, "/spec/replicas"));
         }},
        {"Up-to-date", "integer", "",
         "Total number of non-terminated pods targeted by this "
         "deployment that have the desired template spec.",
         0, [](const json& o) { return intAt(o, "/status/updatedReplicas"); }},
        {"Available", "integer", "",
         "Total number of available pods (ready for at least minReadySeconds) targeted by this "
         "deployment.",
         0, [](const json& o) { return intAt(o, "/status/availableReplicas"); }},
        ageColumn(),
        {"Containers", "string", "", "Names of each container in the template.", 1,
         [](const json& o) {
           return joined(o.value("/spec/template/spec/containers"_json_pointer, json()), "name");
         }},
        {"Images", "string", "", "Images referenced by each container in the template.", 1,
         [](const json& o) {
           return joined(o.value("/spec/template/spec/containers"_json_pointer, json()), "image");
         }},
        {"Selector", "string", "", "Label selector for pods.", 1,
         [](const json& o) {
           return selectorText(o.value("/spec/selector"_json_pointer, json()));
         }},
    };
  }
  if (gk == "apps/ReplicaSet") {
    return {
        nameColumn(),
        {"Desired", "integer", "", "Number of desired pods.", 0,
         [](const json& o) { return intAt(o, "/spec/replicas"); }},
        {"Current", "integer", "", "Number of actual pods.", 0,
         [](const json& o) { return intAt(o, "/status/replicas"); }},
        {"Ready", "integer", "", "Number of ready pods.", 0,
         [](const json& o) { return intAt(o, "/status/readyReplicas"); }},
        ageColumn(),
    };
  }
  if (gk == "/Pod") {
    return {
        nameColumn(),
        {"Ready", "string", "",
         "The aggregate readiness state of this pod for accepting "
         "traffic.",
         0,
         [](const json& o) {
           const auto containers = o.value("/spec/containers"_json_pointer, json::array());
           int ready = 0;
           for (const auto& s : o.value("/status/containerStatuses"_json_pointer, json::array())) {
             if (s.value("ready", false)) ++ready;
           }
           return std::to_string(ready) + "/" + std::to_string(containers.size());
         }},
        {"Status", "string", "", "The aggregate status of the containers in this pod.", 0,
         [](const json& o) {
           if (o.contains("/metadata/deletionTimestamp"_json_pointer))
             return std::string("Terminating");
           return o.value("/status/reason"_json_pointer,
                          o.value("/status/phase"_json_pointer, std::string("Pending")));
         }},
        {"Restarts", "string", "",
         "The number of times the containers in this pod have been "
         "restarted.",
         0,
         [](const json& o) {
           int64_t restarts = 0;
           for (const auto& s : o.value("/status/containerStatuses"_json_pointer, json::array())) {
             restarts += s.value("restartCount", 0);
           }
           return std::to_string(restarts);
         }},
        ageColumn(),
        {"IP", "string", "", "IP address allocated to the pod.", 1,
         [](const json& o) {
           return o.value("/status/podIP"_json_pointer, std::string("<none>"));
         }},
        {"Node", "string", "", "Name of the node assigned to the pod.", 1,
         [](const json& o) {
           return o.value("/spec/nodeName"_json_pointer, std::string("<none>"));
         }},
    };
  }
  if (gk == "/Namespace") {
    return {nameColumn(),
            {"Status", "string", "", "The status of the namespace", 0,
             [](const json& o) {
               return o.value("/status/phase"_json_pointer, std::string("Active"));
             }},
            ageColumn()};
  }
  if (gk == "/Secret") {
    return {nameColumn(),
            {"Type", "string", "", "The type of the secret", 0,
             [](const json& o) { return o.value("type", std::string("Opaque")); }},
            {"Data", "string", "", "The number of data fields", 0,
             [](const json& o) { return std::to_string(o.value("data", json::object()).size()); }},
            ageColumn()};
  }
  if (gk == "/ConfigMap") {
    return {nameColumn(),
            {"Data", "string", "", "Number of data in the configmap", 0,
             [](const json& o) {
               return std::to_string(o.value("data", json::object()).size() +
                                     o.value("binaryData", json::object()).size());
             }},
            ageColumn()};
  }
  if (gk == "/Service") {
    return {nameColumn(),
            {"Type", "string", "", "The type of the service.", 0,
             [](const json& o) {
               return o.value("/spec/type"_json_pointer, std::string("ClusterIP"));
             }},
            {"Cluster-IP", "string", "", "The cluster IP of the service.", 0,
             [](const json& o) {
               return o.value("/spec/clusterIP"_json_pointer, std::string("<none>"));
             }},
            ageColumn()};
  }
  if (gk == "coordination.k8s.io/Lease") {
    return {
        nameColumn(),
        {"Holder", "string", "", "The holder of the lease.", 0,
         [](const json& o) { return o.value("/spec/holderIdentity"_json_pointer, std::string()); }},
        ageColumn()};
  }
  return {nameColumn(), ageColumn()};
}

json customCell(const PrinterColumn& col, const json& obj) {
  const json* v = jsonPathFirst(obj, col.jsonPath);
  if (v == nullptr || v->is_null()) return nullptr;
  if (col.type == "date") {
    auto t = v->is_string() ? parseRfc3339(v->get<std::string>()) : std::nullopt;
    if (!t) return "<unknown>";
    return humanDuration(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
  }
  if (col.type == "integer" && v->is_number()) return v->get<int64_t>();
  if (col.type == "number" && v->is_number()) return v->get<double>();
  if (col.type == "boolean" && v->is_boolean()) return v->get<bool>();
  if (col.type == "string" && !v->is_string()) return v->dump();
  return *v;
}

std::vector<Column> columnsFor(const ResourceInfo& info) {
  if (!info.custom) return builtinColumns(info);
  if (info.printerColumns.empty()) return {nameColumn(), ageColumn()};
  std::vector<Column> cols{nameColumn()};
  for (const auto& pc : info.printerColumns) {
    Column c;
    c.name = pc.name;
    c.type = pc.type == "date" ? "date" : pc.type;
    c.format = pc.format;
    c.description = pc.description;
    c.priority = pc.priority;
    c.cell = [pc](const json& o) { return customCell(pc, o); };
    cols.push_back(std::move(c));
  }
  return cols;
}

}  // namespace

IncludeObject includeObjectFromQuery(const std::string& value) {
  if (value == "None") return IncludeObject::None;
  if (value == "Object") return IncludeObject::Object;
  return IncludeObject::Metadata;
}

json partialObjectMetadata(const json& obj) {
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", obj.value("metadata", json::object())}};
}

json makeTable(const ResourceInfo& info, const std::vector<json>& objects, const json& listMeta,
               IncludeObject include) {
  const auto columns = columnsFor(info);
  json defs = json::array();
  for (const auto& c : columns) {
    defs.push_back({{"name", c.name},
                    {"type", c.type},
                    {"format", c.format},
                    {"description", c.description},
                    {"priority", c.priority}});
  }
  json rows = json::array();
  for (const auto& obj : objects) {
    json cells = json::array();
    for (const auto& c : columns) cells.push_back(c.cell(obj));
    json row = {{"cells", cells}};
    if (include == IncludeObject::Metadata) row["object"] = partialObjectMetadata(obj);
    if (include == IncludeObject::Object) row["object"] = obj;
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", listMeta.is_object() ? listMeta : json::object()},
          {"columnDefinitions", defs},
          {"rows", rows}};
}

}  // namespace rg::testing
