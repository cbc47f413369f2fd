#include "tests/support/rest_handler.hpp"

#include <thread>

#include "tests/support/api_errors.hpp"
#include "tests/support/discovery.hpp"
#include "tests/support/k8s_util.hpp"
#include "tests/support/label_selector.hpp"
#include "tests/support/table_printer.hpp"
#include "tests/support/yaml_json.hpp"

namespace rg::testing {
namespace {

using json = nlohmann::json;

HttpResponse jsonResponse(int code, const json& body) {
  HttpResponse r;
  r.code = code;
  r.body = body.dump();
  return r;
}

HttpResponse errorResponse(const ApiError& e) {
  HttpResponse r = jsonResponse(e.code(), e.status());
  if (e.retryAfterSeconds > 0)
    r.headers.emplace_back("Retry-After", std::to_string(e.retryAfterSeconds));
  return r;
}

ApiError resourceNotFound() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

bool isTrue(const std::string& v) {
  return v == "true" || v == "1";
}

enum class Format { Object, Table, PartialMetadata };

Format negotiate(const HttpRequest& req) {
  const std::string accept = req.header("accept");
  if (accept.find("as=Table") != std::string::npos) return Format::Table;
  if (accept.find("as=PartialObjectMetadata") != std::string::npos) return Format::PartialMetadata;
  return Format::Object;
}

void checkAcceptable(const HttpRequest& req) {
  const std::string accept = req.header("accept");
  if (accept.empty() || accept.find("json") != std::string::npos ||
      accept.find("*/*") != std::string::npos || accept.find("yaml") != std::string::npos) {
    return;
  }
  throw ApiError(406, "NotAcceptable",
                 "only the following media types are accepted: application/json");
}

json parseBody(const HttpRequest& req) {
  const std::string type = req.header("content-type");
  if (type.find("protobuf") != std::string::npos || type.find("cbor") != std::string::npos) {
    throw ApiError(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types "
                   "include: application/json, application/yaml");
  }
  if (type.find("yaml") != std::string::npos) return yamlToJson(req.body);
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw badRequest(std::string("error decoding request body: ") + e.what());
  }
}

bool dryRun(const HttpRequest& req) {
  const std::string v = req.param("dryRun");
  if (v.empty()) return false;
  if (v != "All")
    throw badRequest("dryRun: Unsupported value: \"" + v + "\": supported values: \"All\"");
  return true;
}

// The object as served at the requested version (CRD versions share storage).
json present(const ResourceInfo& info, json obj) {
  obj["apiVersion"] = info.apiVersion();
  obj["kind"] = info.kind;
  return obj;
}

std::string metaString(const json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string storeKeyOf(const json& obj) {
  return metaString(obj, "namespace") + "/" + metaString(obj, "name");
}

struct Filters {
  LabelSelector labels;
  FieldSelector fields;
  bool matches(const json& obj) const {
    return labels.matches(obj.value("/metadata/labels"_json_pointer, json::object())) &&
           fields.matches(obj);
  }
};

Filters filtersFor(const HttpRequest& req, const Route& route) {
  Filters f;
  f.labels = LabelSelector::parse(req.param("labelSelector"));
  std::string fs = req.param("fieldSelector");
  if (!route.name.empty())
    fs = fs.empty() ? "metadata.name=" + route.name : fs + ",metadata.name=" + route.name;
  f.fields = FieldSelector::parse(fs);
  return f;
}

json renderForFormat(const ResourceInfo& info, const json& obj, Format format,
                     const HttpRequest& req, const std::string& rv) {
  switch (format) {
    case Format::Table:
      return makeTable(info, {obj}, json{{"resourceVersion", rv}},
                       includeObjectFromQuery(req.param("includeObject")));
    case Format::PartialMetadata:
      return partialObjectMetadata(obj);
    case Format::Object:
      return present(info, obj);
  }
  return obj;
}

}  // namespace

std::string verbOf(const std::string& method, const Route& route, const HttpRequest& req) {
  if (route.kind != Route::Resource) return "";
  const bool named = !route.name.empty();
  if (method == "GET") {
    if (isTrue(req.param("watch"))) return "watch";
    return named ? "get" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return named ? "delete" : "deletecollection";
  return "";
}

RestHandler::RestHandler(ClusterState& cluster, FaultInjector& faults, RequestRecorder& recorder,
                         WatchRegistry& watches, RestOptions options)
    : cluster_(cluster),
      faults_(faults),
      recorder_(recorder),
      watches_(watches),
      options_(std::move(options)) {}

HttpResponse RestHandler::handle(const HttpRequest& req) {
  const Route route = parseRoute(req.path);
  RequestRecord rec;
  rec.method = req.method;
  rec.path = req.path;
  for (const auto& [k, v] : req.query) rec.query += (rec.query.empty() ? "" : "&") + k + "=" + v;
  rec.verb = verbOf(req.method, route, req);
  rec.group = route.group;
  rec.version = route.version;
  rec.resource = route.resource;
  rec.subresource = route.subresource;
  rec.ns = route.ns;
  rec.name = route.name;
  rec.contentType = req.header("content-type");
  rec.accept = req.header("accept");
  rec.body = req.body;

  HttpResponse response;
  try {
    if (!options_.bearerToken.empty() &&
        req.header("authorization") != "Bearer " + options_.bearerToken) {
      throw ApiError(401, "Unauthorized", "Unauthorized");
    }
    faults_.delay();
    const std::string target = req.path + (rec.query.empty() ? "" : "?" + rec.query);
    if (auto fault = faults_.take(req.method, target, req.body)) {
      ApiError e(fault->code, reasonForCode(fault->code), fault->message);
      e.retryAfterSeconds = fault->retryAfterSeconds;
      throw e;
    }
    response = dispatch(req, route);
  } catch (const ApiError& e) {
    response = errorResponse(e);
  } catch (const json::exception& e) {
    response = errorResponse(badRequest(e.what()));
  } catch (const std::exception& e) {
    response = errorResponse(ApiError(500, "InternalError", e.what()));
  }
  rec.code = response.code;
  recorder_.record(std::move(rec));
  return response;
}

HttpResponse RestHandler::dispatch(const HttpRequest& req, const Route& route) {
  const auto& registry = cluster_.registry();
  const bool isGet = req.method == "GET";
  switch (route.kind) {
    case Route::Unknown:
      throw resourceNotFound();
    case Route::Version:
      return jsonResponse(200, versionInfo());
    case Route::Health: {
      HttpResponse r;
      r.contentType = "text/plain; charset=utf-8";
      r.body = "ok";
      return r;
    }
    case Route::CoreVersions:
      if (!isGet) throw methodNotSupported("api", req.method);
      // Plain APIVersions: clients asking for aggregated discovery fall back to per-version
      // resource lists.
      return jsonResponse(200, coreApiVersions(options_.serverAddress));
    case Route::GroupList:
      if (!isGet) throw methodNotSupported("apis", req.method);
      return jsonResponse(200, apiGroupList(registry));
    case Route::Group:
      if (auto g = apiGroup(registry, route.group)) return jsonResponse(200, *g);
      throw resourceNotFound();
    case Route::ResourceList:
      if (auto l = apiResourceList(registry, route.group, route.version)) {
        return jsonResponse(200, *l);
      }
      throw resourceNotFound();
    case Route::OpenApiV3Root:
      return jsonResponse(200, openApiV3Root(registry));
    case Route::OpenApiV3Doc:
      if (auto d = openApiV3Document(registry, route.group, route.version)) {
        return jsonResponse(200, *d);
      }
      throw resourceNotFound();
    case Route::Resource:
      return handleResource(req, route);
  }
  throw resourceNotFound();
}

HttpResponse RestHandler::handleResource(const HttpRequest& req, const Route& route) {
  auto found = cluster_.registry().find(route.group, route.version, route.resource);
  if (!found) throw resourceNotFound();
  const ResourceInfo& info = *found;
  if (!info.namespaced && !route.ns.empty()) throw resourceNotFound();
  if (info.namespaced && route.ns.empty() && !route.name.empty()) throw resourceNotFound();
  Subresource sub = Subresource::None;
  if (route.subresource == "status") {
    if (!info.hasStatus) throw resourceNotFound();
    sub = Subresource::Status;
  } else if (!route.subresource.empty()) {
    throw resourceNotFound();
  }
  checkAcceptable(req);
  const Format format = negotiate(req);
  const std::string& m = req.method;

  if (route.name.empty()) {
    if (m == "GET") {
      return isTrue(req.param("watch")) ? watch(req, info, route) : list(req, info, route);
    }
    if (m == "POST") {
      if (info.namespaced && route.ns.empty()) throw methodNotSupported(info.plural, m);
      WriteOptions wo{WriteOrigin::Api, dryRun(req)};
      json created = cluster_.create(info, route.ns, parseBody(req), wo);
      return jsonResponse(201, present(info, created));
    }
    if (m == "DELETE") return deleteCollection(req, info, route);
    throw methodNotSupported(info.plural, m);
  }

  if (m == "GET") {
    if (isTrue(req.param("watch"))) return watch(req, info, route);
    json obj = cluster_.get(info, route.ns, route.name);
    return jsonResponse(
        200, renderForFormat(info, obj, format, req, metaString(obj, "resourceVersion")));
  }
  if (m == "PUT") {
    WriteOptions wo{WriteOrigin::Api, dryRun(req)};
    json updated = cluster_.update(info, route.ns, route.name, parseBody(req), sub, wo);
    return jsonResponse(200, present(info, updated));
  }
  if (m == "PATCH") {
    const std::string contentType = req.header("content-type");
    const auto type = patchTypeFromContentType(contentType);
    if (!type) throw unsupportedMediaType(contentType);
    if (*type == PatchType::Apply && req.param("fieldManager").empty()) {
      throw badRequest(
          "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
          "is required for apply patch");
    }
    WriteOptions wo{WriteOrigin::Api, dryRun(req)};
    auto result =
        cluster_.patch(info, route.ns, route.name, *type, parsePatchBody(*type, req.body), sub, wo);
    return jsonResponse(result.created ? 201 : 200, present(info, result.object));
  }
  if (m == "DELETE") {
    DeleteOptions d;
    d.propagationPolicy = req.param("propagationPolicy");
    d.dryRun = dryRun(req);
    if (!req.body.empty()) {
      json body = parseBody(req);
      if (body.is_object()) {
        if (body.contains("propagationPolicy") && body["propagationPolicy"].is_string()) {
          d.propagationPolicy = body["propagationPolicy"];
        }
        d.preconditionUid = body.value("/preconditions/uid"_json_pointer, std::string());
        d.preconditionResourceVersion =
            body.value("/preconditions/resourceVersion"_json_pointer, std::string());
        for (const auto& v : body.value("dryRun", json::array())) {
          if (v == "All") d.dryRun = true;
        }
      }
    }
    json removed = cluster_.remove(info, route.ns, route.name, d);
    return jsonResponse(200, present(info, removed));
  }
  throw methodNotSupported(info.plural, m);
}

HttpResponse RestHandler::list(const HttpRequest& req, const ResourceInfo& info,
                               const Route& route) {
  const Filters filters = filtersFor(req, route);
  size_t limit = 0;
  if (const std::string l = req.param("limit"); !l.empty()) {
    try {
      const long long v = std::stoll(l);
      if (v > 0) limit = static_cast<size_t>(v);
    } catch (...) {
      throw badRequest("limit: Invalid value: \"" + l + "\"");
    }
  }
  std::string after;
  uint64_t listRv = 0;
  if (const std::string token = req.param("continue"); !token.empty()) {
    json t;
    try {
      t = json::parse(base64Decode(token).value_or(""));
      after = t.at("start").get<std::string>();
      listRv = t.at("rv").get<uint64_t>();
    } catch (const json::exception&) {
      throw badRequest("continue key is not valid: incorrect encoded start resourceVersion");
    }
    if (listRv < cluster_.store().compactedThrough()) {
      throw expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter, or use the continue token in "
          "this response to retrieve the remainder of the results. Continuing with the provided "
          "token results in an inconsistent list - objects that were created, modified, or "
          "deleted between the time the first chunk was returned and now may show up in the "
          "list.");
    }
  }
  auto snapshot = cluster_.store().list(info.storageKey(), route.ns, after);
  if (listRv == 0) listRv = snapshot.resourceVersion;
  std::vector<json> items;
  std::string lastKey;
  size_t remaining = 0;
  bool more = false;
  for (const auto& obj : snapshot.items) {
    if (!filters.matches(*obj)) continue;
    if (limit > 0 && items.size() >= limit) {
      more = true;
      ++remaining;
      continue;
    }
    items.push_back(*obj);
    lastKey = storeKeyOf(*obj);
  }
  json meta = {{"resourceVersion", std::to_string(listRv)}};
  if (more) {
    meta["continue"] = base64Encode(json{{"rv", listRv}, {"start", lastKey}}.dump());
    // Like the API server, the count is only given when no selector filters the list.
    if (filters.labels.empty() && filters.fields.empty()) meta["remainingItemCount"] = remaining;
  }
  switch (negotiate(req)) {
    case Format::Table:
      return jsonResponse(
          200, makeTable(info, items, meta, includeObjectFromQuery(req.param("includeObject"))));
    case Format::PartialMetadata: {
      json out = {{"kind", "PartialObjectMetadataList"},
                  {"apiVersion", "meta.k8s.io/v1"},
                  {"metadata", meta},
                  {"items", json::array()}};
      for (const auto& i : items) out["items"].push_back(partialObjectMetadata(i));
      return jsonResponse(200, out);
    }
    case Format::Object:
      break;
  }
  json out = {{"kind", info.effectiveListKind()},
              {"apiVersion", info.apiVersion()},
              {"metadata", meta},
              {"items", json::array()}};
  for (auto& i : items) {
    // Typed lists of built-in kinds omit each item's apiVersion/kind; custom resources keep it.
    if (info.custom) {
      out["items"].push_back(present(info, std::move(i)));
    } else {
      i.erase("apiVersion");
      i.erase("kind");
      out["items"].push_back(std::move(i));
    }
  }
  return jsonResponse(200, out);
}

HttpResponse RestHandler::deleteCollection(const HttpRequest& req, const ResourceInfo& info,
                                           const Route& route) {
  const Filters filters = filtersFor(req, route);
  DeleteOptions d;
  d.propagationPolicy = req.param("propagationPolicy");
  d.dryRun = dryRun(req);
  auto snapshot = cluster_.store().list(info.storageKey(), route.ns);
  json out = {{"kind", info.effectiveListKind()},
              {"apiVersion", info.apiVersion()},
              {"metadata", json::object()},
              {"items", json::array()}};
  for (const auto& obj : snapshot.items) {
    if (!filters.matches(*obj)) continue;
    try {
      out["items"].push_back(
          cluster_.remove(info, metaString(*obj, "namespace"), metaString(*obj, "name"), d));
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
  return jsonResponse(200, out);
}

HttpResponse RestHandler::watch(const HttpRequest& req, const ResourceInfo& info,
                                const Route& route) {
  auto filters = std::make_shared<const Filters>(filtersFor(req, route));
  const Format format = negotiate(req);
  const std::string rvParam = req.param("resourceVersion");
  ObjectStore::WatchStart start;
  if (rvParam.empty() || rvParam == "0") {
    start.mode = ObjectStore::WatchStart::InitialState;
  } else {
    start.mode = ObjectStore::WatchStart::FromVersion;
    try {
      start.resourceVersion = std::stoull(rvParam);
    } catch (...) {
      throw badRequest("resourceVersion: Invalid value: \"" + rvParam + "\"");
    }
  }
  const bool bookmarks = isTrue(req.param("allowWatchBookmarks"));
  const bool initialEventsEnd = isTrue(req.param("sendInitialEvents")) && bookmarks;
  auto timeout = options_.defaultWatchTimeout;
  if (const std::string t = req.param("timeoutSeconds"); !t.empty()) {
    try {
      timeout = std::chrono::seconds(std::stoll(t));
    } catch (...) {
      throw badRequest("timeoutSeconds: Invalid value: \"" + t + "\"");
    }
  }
  std::optional<bool> forceExpired = faults_.takeExpiredWatch(req.path);
  if (forceExpired && *forceExpired) {
    throw expired("too old resource version: " + rvParam + " (" +
                  std::to_string(cluster_.store().currentResourceVersion()) + ")");
  }

  HttpResponse response;
  auto includeObject = includeObjectFromQuery(req.param("includeObject"));
  response.stream = [this, info, filters, format, start, bookmarks, initialEventsEnd, timeout,
                     forceExpired, includeObject, ns = route.ns](std::shared_ptr<StreamSink> sink) {
    auto session = std::make_shared<WatchSession>(sink, std::chrono::steady_clock::now() + timeout);
    session->bookmarks = bookmarks;
    session->bookmarkApiVersion = info.apiVersion();
    session->bookmarkKind = info.kind;
    auto errorLine = [](const ApiError& e) {
      return json{{"type", "ERROR"}, {"object", e.status()}}.dump() + "\n";
    };
    if (forceExpired) {
      session->send(errorLine(
          expired("too old resource version: " + std::to_string(start.resourceVersion) + " (" +
                  std::to_string(cluster_.store().currentResourceVersion()) + ")")));
      session->close();
      return;
    }
    auto render = [info, format, includeObject](const json& obj) -> json {
      if (format == Format::Table) {
        return makeTable(info, {obj}, json{{"resourceVersion", metaString(obj, "resourceVersion")}},
                         includeObject);
      }
      if (format == Format::PartialMetadata) return partialObjectMetadata(obj);
      return present(info, obj);
    };
    auto inScope = [ns](const json& obj) {
      return ns.empty() || metaString(obj, "namespace") == ns;
    };
    auto sinkFn = [session, filters, render, inScope](const StoreEvent& event) -> bool {
      const bool now = event.object && inScope(*event.object) && filters->matches(*event.object);
      const bool before =
          event.previous && inScope(*event.previous) && filters->matches(*event.previous);
      std::string type;
      json obj;
      switch (event.type) {
        case EventType::Added:
          if (!now) return !session->closed();
          type = "ADDED";
          obj = *event.object;
          break;
        case EventType::Modified:
          if (now && before) {
            type = "MODIFIED";
            obj = *event.object;
          } else if (now) {
            type = "ADDED";
            obj = *event.object;
          } else if (before) {
            // Left the selection: DELETED with the previous state at the new resourceVersion.
            type = "DELETED";
            obj = *event.previous;
            obj["metadata"]["resourceVersion"] = std::to_string(event.resourceVersion);
          } else {
            return !session->closed();
          }
          break;
        case EventType::Deleted:
          if (!(before || now)) return !session->closed();
          type = "DELETED";
          obj = *event.object;
          break;
      }
      return session->send(json{{"type", type}, {"object", render(obj)}}.dump() + "\n");
    };
    try {
      session->watchId = cluster_.store().watch(info.storageKey(), start, sinkFn, [&](uint64_t rv) {
        if (!initialEventsEnd) return;
        // The end of the initial state, as with sendInitialEvents=true (watch-list).
        json line = {{"type", "BOOKMARK"},
                     {"object",
                      {{"kind", info.kind},
                       {"apiVersion", info.apiVersion()},
                       {"metadata",
                        {{"resourceVersion", std::to_string(rv)},
                         {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}}};
        session->send(line.dump() + "\n");
      });
    } catch (const ApiError& e) {
      session->send(errorLine(e));
      session->close();
      return;
    }
    watches_.add(session);
  };
  return response;
}

}  // namespace rg::testing
