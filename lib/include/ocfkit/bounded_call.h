// A call that may hang inside a library we cannot interrupt (libvirt's RPCs): run it on a
// detached thread and wait only until its bound.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

namespace ocfkit {

// What run_bounded holds for a call returning void.
using NoValue = std::monostate;

template <typename F>
using BoundedResult = std::conditional_t<std::is_void_v<std::invoke_result_t<F&>>, NoValue, std::invoke_result_t<F&>>;

// fn's result, or nullopt when fn did not return within `bound`; fn's exception is rethrown.
// An abandoned fn runs on and owns everything it captured, so it must capture by value (shared
// pointers to whatever it touches): the caller may be gone when it returns.
template <typename F>
std::optional<BoundedResult<F>> run_bounded(std::chrono::milliseconds bound, F fn)
{
    using R = BoundedResult<F>;
    struct Slot {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        std::optional<R> value;
        std::exception_ptr error;
    };
    auto slot = std::make_shared<Slot>();
    std::thread([slot, fn = std::move(fn)]() mutable {
        std::optional<R> value;
        std::exception_ptr error;
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
                fn();
                value.emplace();
            } else {
                value.emplace(fn());
            }
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(slot->mutex);
        slot->value = std::move(value);
        slot->error = error;
        slot->done = true;
        slot->done_cv.notify_all();
    }).detach();
    std::unique_lock lock(slot->mutex);
    if (!slot->done_cv.wait_for(lock, bound, [&] { return slot->done; })) return std::nullopt;
    if (slot->error) std::rethrow_exception(slot->error);
    return std::move(slot->value);
}

}  // namespace ocfkit
