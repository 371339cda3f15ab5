#include "outagedesk/domain/postcode_index.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace outagedesk::domain {
namespace {

// Trie children are ranked by this order, which is also byte order, so the
// rank from the mask equals the child's position among its siblings.
constexpr unsigned symbol(char c) noexcept {
    return c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>(c - 'A') + 10;
}

std::uint32_t to_u32(std::size_t n) {
    if (n >= std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("postcode_index: too many entries");
    }
    return static_cast<std::uint32_t>(n);
}

bool is_postcode_prefix(std::string_view text) noexcept {
    if (text.empty() || text.size() > max_prefix_length) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    });
}

// Expressions normally come from parse_area; one built by hand that breaks
// its rules would silently corrupt the trie's ranking, so refuse it here.
bool well_formed(const area_expression& e) noexcept {
    using kind = area_expression::kind;
    switch (e.kind_) {
        case kind::exact: return is_normalised_postcode(e.lo_);
        case kind::prefix: return is_postcode_prefix(e.lo_);
        case kind::range:
            return is_normalised_postcode(e.lo_) && is_normalised_postcode(e.hi_) &&
                   e.lo_.size() == e.hi_.size() && e.lo_ <= e.hi_;
        case kind::all: return true;
    }
    return false;
}

}  // namespace

void postcode_index::add(std::uint32_t key, const area_expression& expression) {
    if (built_) throw std::logic_error("postcode_index: add after build");
    if (!well_formed(expression)) {
        throw std::invalid_argument("postcode_index: malformed area expression '" +
                                    expression.text() + "'");
    }
    pending_.push_back({key, expression});
    ++size_;
}

void postcode_index::build() {
    if (built_) return;
    build_trie();
    build_ranges();
    pending_.clear();
    pending_.shrink_to_fit();
    built_ = true;
}

void postcode_index::build_trie() {
    struct trie_item {
        std::string_view text_;
        bool is_prefix_;
        std::uint32_t key_;
        auto operator<=>(const trie_item&) const = default;
    };
    std::vector<trie_item> items;
    items.reserve(pending_.size());
    for (const auto& entry : pending_) {
        const auto& e = entry.expression_;
        switch (e.kind_) {
            case area_expression::kind::exact: items.push_back({e.lo_, false, entry.key_}); break;
            case area_expression::kind::prefix: items.push_back({e.lo_, true, entry.key_}); break;
            // "*" is the empty prefix: it ends at the root.
            case area_expression::kind::all: items.push_back({{}, true, entry.key_}); break;
            case area_expression::kind::range: break;
        }
    }
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());

    // Distinct texts, in sorted order, each with its run of items.
    struct text_run {
        std::string_view text_;
        std::size_t begin_;
        std::size_t end_;
    };
    std::vector<text_run> runs;
    for (std::size_t i = 0; i < items.size();) {
        std::size_t j = i + 1;
        while (j < items.size() && items[j].text_ == items[i].text_) ++j;
        runs.push_back({items[i].text_, i, j});
        i = j;
    }

    // Breadth-first over the sorted runs: a node is a slice of runs sharing
    // its first `depth_` characters. Numbering nodes in queue order gives
    // every node's children consecutive ids.
    struct node_slice {
        std::size_t begin_;
        std::size_t end_;
        std::size_t depth_;
    };
    std::vector<node_slice> queue{{0, runs.size(), 0}};
    nodes_.clear();
    prefix_keys_.clear();
    exact_keys_.clear();
    for (std::size_t i = 0; i < queue.size(); ++i) {
        std::size_t begin = queue[i].begin_;
        const std::size_t end = queue[i].end_;
        const std::size_t depth = queue[i].depth_;

        trie_node node{0, 0, to_u32(prefix_keys_.size()), to_u32(exact_keys_.size())};
        // Sorting puts the text that ends at this node first in its slice.
        if (begin < end && runs[begin].text_.size() == depth) {
            for (std::size_t k = runs[begin].begin_; k < runs[begin].end_; ++k) {
                (items[k].is_prefix_ ? prefix_keys_ : exact_keys_).push_back(items[k].key_);
            }
            ++begin;
        }
        node.first_child_ = to_u32(queue.size());
        while (begin < end) {
            const char c = runs[begin].text_[depth];
            std::size_t group_end = begin + 1;
            while (group_end < end && runs[group_end].text_[depth] == c) ++group_end;
            queue.push_back({begin, group_end, depth + 1});
            node.child_mask_ |= std::uint64_t{1} << symbol(c);
            begin = group_end;
        }
        nodes_.push_back(node);
    }
    nodes_.push_back({0, 0, to_u32(prefix_keys_.size()), to_u32(exact_keys_.size())});
}

void postcode_index::build_ranges() {
    std::array<std::vector<const pending_entry*>, max_postcode_length + 1> by_length;
    for (const auto& entry : pending_) {
        if (entry.expression_.kind_ == area_expression::kind::range) {
            by_length[entry.expression_.lo_.size()].push_back(&entry);
        }
    }

    for (std::size_t width = 0; width < by_length.size(); ++width) {
        range_layer& layer = ranges_[width];
        layer = range_layer{};
        const auto& entries = by_length[width];
        if (entries.empty()) continue;

        std::vector<std::string_view> bounds;
        bounds.reserve(entries.size() * 2);
        for (const auto* entry : entries) {
            bounds.emplace_back(entry->expression_.lo_);
            bounds.emplace_back(entry->expression_.hi_);
        }
        std::sort(bounds.begin(), bounds.end());
        bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
        layer.point_count_ = bounds.size();
        layer.points_.reserve(bounds.size() * width);
        for (std::string_view bound : bounds) layer.points_.append(bound);

        const std::size_t segments = 2 * bounds.size() - 1;
        const std::uint32_t tree_nodes = to_u32(2 * segments + 1);
        auto point_of = [&bounds](std::string_view bound) {
            return static_cast<std::size_t>(
                std::lower_bound(bounds.begin(), bounds.end(), bound) - bounds.begin());
        };

        // Bottom-up segment tree: leaves at [segments, 2 * segments); a range
        // lands on the maximal nodes whose leaves all lie inside it.
        std::vector<std::pair<std::uint32_t, std::uint32_t>> placed;  // (node, key)
        for (const auto* entry : entries) {
            std::size_t lo = 2 * point_of(entry->expression_.lo_) + segments;
            std::size_t hi = 2 * point_of(entry->expression_.hi_) + 1 + segments;  // exclusive
            for (; lo < hi; lo >>= 1, hi >>= 1) {
                if (lo & 1) placed.emplace_back(static_cast<std::uint32_t>(lo++), entry->key_);
                if (hi & 1) placed.emplace_back(static_cast<std::uint32_t>(--hi), entry->key_);
            }
        }
        std::sort(placed.begin(), placed.end());
        placed.erase(std::unique(placed.begin(), placed.end()), placed.end());
        to_u32(placed.size());  // offsets into keys_ are 32-bit

        layer.node_begin_.assign(tree_nodes, 0);
        for (const auto& [node, key] : placed) ++layer.node_begin_[node + 1];
        for (std::size_t n = 1; n < layer.node_begin_.size(); ++n) {
            layer.node_begin_[n] += layer.node_begin_[n - 1];
        }
        layer.keys_.reserve(placed.size());
        for (const auto& [node, key] : placed) layer.keys_.push_back(key);
    }
}

std::vector<std::uint32_t> postcode_index::match(std::string_view postcode) const {
    if (!built_) throw std::logic_error("postcode_index: match before build");
    if (!is_normalised_postcode(postcode)) return {};

    // Gather views of the sorted key lists first so the result is allocated
    // once at its final size. Bound: 12 trie lists plus one per level of a
    // segment tree whose node ids fit in 32 bits.
    struct key_span {
        const std::uint32_t* begin_;
        const std::uint32_t* end_;
    };
    std::array<key_span, 64> spans;
    std::size_t span_count = 0;
    std::size_t total = 0;
    auto take = [&](const std::vector<std::uint32_t>& keys, std::uint32_t begin, std::uint32_t end) {
        if (begin == end) return;
        spans[span_count++] = {keys.data() + begin, keys.data() + end};
        total += end - begin;
    };

    std::uint32_t node = 0;
    take(prefix_keys_, nodes_[0].prefix_begin_, nodes_[1].prefix_begin_);
    bool reached_end = true;
    for (char c : postcode) {
        const trie_node& here = nodes_[node];
        const std::uint64_t bit = std::uint64_t{1} << symbol(c);
        if ((here.child_mask_ & bit) == 0) {
            reached_end = false;
            break;
        }
        node = here.first_child_ + static_cast<std::uint32_t>(std::popcount(here.child_mask_ & (bit - 1)));
        take(prefix_keys_, nodes_[node].prefix_begin_, nodes_[node + 1].prefix_begin_);
    }
    if (reached_end) take(exact_keys_, nodes_[node].exact_begin_, nodes_[node + 1].exact_begin_);

    const range_layer& layer = ranges_[postcode.size()];
    if (const std::size_t points = layer.point_count_; points > 0) {
        const std::size_t width = postcode.size();
        const char* data = layer.points_.data();
        std::size_t lo = 0;
        std::size_t hi = points;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (std::memcmp(data + mid * width, postcode.data(), width) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        const bool on_point = lo < points && std::memcmp(data + lo * width, postcode.data(), width) == 0;
        // Outside the outermost bounds no range can cover the postcode.
        if (on_point || (lo > 0 && lo < points)) {
            const std::size_t segments = 2 * points - 1;
            const std::size_t leaf = on_point ? 2 * lo : 2 * lo - 1;
            for (std::size_t p = leaf + segments; p > 0; p >>= 1) {
                take(layer.keys_, layer.node_begin_[p], layer.node_begin_[p + 1]);
            }
        }
    }

    std::vector<std::uint32_t> out;
    out.reserve(total);
    for (std::size_t i = 0; i < span_count; ++i) out.insert(out.end(), spans[i].begin_, spans[i].end_);
    // A single list is already sorted and distinct.
    if (span_count > 1) {
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return out;
}

}  // namespace outagedesk::domain
