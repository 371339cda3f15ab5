#pragma once
// Answers "which incidents cover this postcode" on the IVR hot path, in time
// that grows with the postcode's length and the answer, not with the number of
// area expressions. Exact postcodes and prefixes live in a trie ("*" is a
// prefix of nothing, i.e. the root); ranges live, per bound length, in a
// segment tree over the ranges' endpoints. It is filled with add(), frozen with
// build(), and from then on is immutable, so any number of threads may call
// match() without a lock. It must never do I/O or allocate on a read beyond
// the vector it returns.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/postcode.hpp"

namespace outagedesk::domain {

class postcode_index {
public:
    // `key` is the caller's name for whatever owns the expression (an
    // incident's slot in the active set); one key may come with many
    // expressions. Throws std::logic_error after build().
    void add(std::uint32_t key, const area_expression& expression);

    // Freezes the index. Calling it again does nothing.
    void build();

    // Each key with an expression matching `normalised_postcode`, once,
    // ascending. A string that is not a normalised postcode matches nothing.
    // Throws std::logic_error before build().
    std::vector<std::uint32_t> match(std::string_view normalised_postcode) const;

    // Number of expressions added (duplicates included).
    std::size_t size() const noexcept { return size_; }

private:
    struct pending_entry {
        std::uint32_t key_;
        area_expression expression_;
    };

    // Children of a node are consecutive node ids, so a 36-bit mask of the
    // present characters and a popcount find a child without searching.
    struct trie_node {
        std::uint64_t child_mask_;
        std::uint32_t first_child_;
        std::uint32_t prefix_begin_;  // keys of prefixes ending here, in prefix_keys_
        std::uint32_t exact_begin_;   // keys of exact postcodes ending here, in exact_keys_
    };

    // Ranges whose bounds have one length. The sorted distinct bounds cut the
    // line into elementary segments: each bound itself (even leaf ids) and the
    // open gap after it (odd ids). A range is stored at O(log n) nodes of a
    // bottom-up segment tree over those segments, so memory stays O(n log n)
    // however the ranges nest, and a lookup walks one leaf-to-root path.
    struct range_layer {
        std::size_t point_count_ = 0;
        std::string points_;  // point_count_ bounds of the layer's length, sorted
        std::vector<std::uint32_t> node_begin_;  // 2 * segments + 1 offsets into keys_
        std::vector<std::uint32_t> keys_;
    };

    void build_trie();
    void build_ranges();

    std::vector<pending_entry> pending_;
    std::vector<trie_node> nodes_;  // root first, then a sentinel closing the key lists
    std::vector<std::uint32_t> prefix_keys_;
    std::vector<std::uint32_t> exact_keys_;
    std::array<range_layer, max_postcode_length + 1> ranges_;  // indexed by bound length
    std::size_t size_ = 0;
    bool built_ = false;
};

}  // namespace outagedesk::domain
