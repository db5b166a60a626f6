// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICorpusTasks} from "../interfaces/ICorpusTasks.sol";

/// @title CorpusTasksLens
/// @notice Paginated task listings over a {ICorpusTasks} registry, for integrators' `eth_call`s. It holds no
/// state and no funds; it lives apart from the registry only to keep the registry within EIP-170's size
/// limit. Pages are bounded, so a call never runs out of gas however many tasks exist.
contract CorpusTasksLens {
    /// @notice Most task ids one page covers.
    uint256 public constant MAX_PAGE = 200;

    /// @notice Up to `count` tasks from id `fromId` on (ids start at 1; 0 reads as 1).
    /// @param registry The task registry.
    /// @param fromId First id.
    /// @param count At most this many (capped at {MAX_PAGE}).
    /// @return views The tasks, in id order.
    function getTasks(
        ICorpusTasks registry,
        uint256 fromId,
        uint256 count
    ) external view returns (ICorpusTasks.TaskView[] memory views) {
        (uint256 first, uint256 end) = _idRange(registry, fromId, count);
        views = new ICorpusTasks.TaskView[](end - first);
        for (uint256 id = first; id < end; ++id) views[id - first] = registry.getTask(id);
    }

    /// @notice `requester`'s task ids among `scan` ids from `fromId`; page on from `next`.
    /// @param registry The task registry.
    /// @param requester The requester.
    /// @param fromId First id to look at.
    /// @param scan How many ids to look at (capped at {MAX_PAGE}).
    /// @return ids The matching ids, in order.
    /// @return next The first id not looked at (0 once the last task was looked at; `fromId` itself if
    /// `scan` is 0, which looks at nothing).
    function tasksOf(
        ICorpusTasks registry,
        address requester,
        uint256 fromId,
        uint256 scan
    ) external view returns (uint256[] memory ids, uint256 next) {
        (uint256 first, uint256 end) = _idRange(registry, fromId, scan);
        uint256[] memory matches = new uint256[](end - first);
        uint256 found;
        for (uint256 id = first; id < end; ++id) {
            if (registry.getTask(id).requester == requester) matches[found++] = id;
        }
        ids = new uint256[](found);
        for (uint256 i; i < found; ++i) ids[i] = matches[i];
        next = end > registry.taskCount() ? 0 : end;
    }

    /// @notice A page of a task's submission ids, newest first, following each submission's link to the
    /// task's previous one.
    /// @param registry The task registry.
    /// @param taskId The task.
    /// @param cursor Where to start: 0 for the newest, else the `next` of the previous page (it must be a
    /// submission of this task).
    /// @param count At most this many (capped at {MAX_PAGE}).
    /// @return ids The submission ids.
    /// @return next The cursor of the next page; 0 when the list is exhausted.
    function submissionsOf(
        ICorpusTasks registry,
        uint256 taskId,
        uint256 cursor,
        uint256 count
    ) external view returns (uint256[] memory ids, uint256 next) {
        next = cursor == 0 ? registry.getTask(taskId).lastSubmission : cursor;
        uint256 size = count > MAX_PAGE ? MAX_PAGE : count;
        uint256[] memory page = new uint256[](size);
        uint256 found;
        while (found < size && next != 0) {
            ICorpusTasks.SubmissionView memory sub = registry.getSubmission(next);
            require(sub.taskId == taskId, ICorpusTasks.TasksUnknownSubmission(next));
            page[found++] = next;
            next = sub.previousInTask;
        }
        ids = new uint256[](found);
        for (uint256 i; i < found; ++i) ids[i] = page[i];
    }

    /// @dev Ids `first .. end - 1`: at most `count` (and {MAX_PAGE}) existing ids from `fromId`.
    function _idRange(
        ICorpusTasks registry,
        uint256 fromId,
        uint256 count
    ) private view returns (uint256 first, uint256 end) {
        uint256 last = registry.taskCount() + 1;
        first = fromId == 0 ? 1 : fromId;
        if (first > last) first = last;
        end = first + (count > MAX_PAGE ? MAX_PAGE : count);
        if (end > last) end = last;
    }
}
