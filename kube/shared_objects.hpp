#pragma once
// Read-only shares of cached objects. A reconcile reads the cache's snapshots instead of copying
// them; they read as `const nlohmann::json&`. Built from a json (the offline check's manifests,
// tests), they hold a share of their own.
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rg::kube {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// Copy-on-write for a share: a private copy to change, made on the first edit (and again when
// the share was copied since), so other holders of the object never see the change.
class EditableShare {
 public:
  nlohmann::json& edit(ObjectPtr& object) {
    if (!mutable_ || object != mutable_ || mutable_.use_count() != 2) {
      mutable_ = std::make_shared<nlohmann::json>(object ? *object : nlohmann::json());
      object = mutable_;
    }
    return *mutable_;
  }

 private:
  std::shared_ptr<nlohmann::json> mutable_;
};

// One object; a null json when empty.
class SharedObject {
 public:
  SharedObject() = default;
  SharedObject(ObjectPtr object) : object_(std::move(object)) {}  // NOLINT: a share reads as one
  SharedObject(nlohmann::json object)                             // NOLINT
      : object_(std::make_shared<const nlohmann::json>(std::move(object))) {}

  const nlohmann::json& get() const { return object_ ? *object_ : null(); }
  operator const nlohmann::json&() const { return get(); }  // NOLINT
  const nlohmann::json& operator*() const { return get(); }
  const nlohmann::json* operator->() const { return &get(); }
  const ObjectPtr& share() const { return object_; }
  // A private copy to change (tests build workloads this way); the cache's object is never
  // changed.
  nlohmann::json& edit() {
    ++edits_;
    return editable_.edit(object_);
  }
  // How many times edit() was called: what was derived from the object since is stale (a second
  // edit() changes the same private copy in place, at the same address).
  std::uint64_t edits() const { return edits_; }

 private:
  static const nlohmann::json& null() {
    static const nlohmann::json value;
    return value;
  }
  ObjectPtr object_;
  EditableShare editable_;
  std::uint64_t edits_ = 0;
};

// A list of objects, iterated as `const nlohmann::json&`.
class SharedObjects {
 public:
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = nlohmann::json;
    using difference_type = std::ptrdiff_t;
    using pointer = const nlohmann::json*;
    using reference = const nlohmann::json&;

    const_iterator() = default;
    explicit const_iterator(std::vector<ObjectPtr>::const_iterator at) : at_(at) {}
    reference operator*() const { return **at_; }
    pointer operator->() const { return at_->get(); }
    const_iterator& operator++() {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) { return const_iterator(at_++); }
    bool operator==(const const_iterator& other) const = default;

   private:
    std::vector<ObjectPtr>::const_iterator at_;
  };
  using iterator = const_iterator;
  using value_type = nlohmann::json;

  SharedObjects() = default;
  SharedObjects(std::initializer_list<nlohmann::json> objects) {  // NOLINT
    for (const auto& object : objects) push_back(object);
  }
  SharedObjects(const std::vector<nlohmann::json>& objects) {  // NOLINT
    for (const auto& object : objects) push_back(object);
  }

  void push_back(ObjectPtr object) {
    if (object) objects_.push_back(std::move(object));
  }
  void push_back(nlohmann::json object) {
    objects_.push_back(std::make_shared<const nlohmann::json>(std::move(object)));
  }
  // A private copy of object i to change, as SharedObject::edit.
  nlohmann::json& edit(size_t i) {
    if (edits_.size() < objects_.size()) edits_.resize(objects_.size());
    return edits_[i].edit(objects_[i]);
  }
  void reserve(size_t n) { objects_.reserve(n); }
  void clear() {
    objects_.clear();
    edits_.clear();
  }

  size_t size() const { return objects_.size(); }
  bool empty() const { return objects_.empty(); }
  const nlohmann::json& operator[](size_t i) const { return *objects_[i]; }
  const ObjectPtr& share(size_t i) const { return objects_[i]; }
  const nlohmann::json& front() const { return *objects_.front(); }
  const nlohmann::json& back() const { return *objects_.back(); }
  const_iterator begin() const { return const_iterator(objects_.begin()); }
  const_iterator end() const { return const_iterator(objects_.end()); }

 private:
  std::vector<ObjectPtr> objects_;
  std::vector<EditableShare> edits_;  // only once edit() was called
};

}  // namespace rg::kube
