# Phase "clevervm": clevervm's checks on the running stack (tests/agents/clevervm/cluster-tier.sh:
# status from both nodes, the init script, cleanup, migrate, unmigrate), then wait until the stack
# is whole again for the failover phase. Sourced by run.sh (needs stack.sh).
clevervm_phase() {
	local script=$REPO_DIR/tests/agents/clevervm/cluster-tier.sh rc
	bash "$script" "$BUILD_DIR" all 2>&1 | tee "$RUN/clevervm.log" >&2
	rc=${PIPESTATUS[0]}
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$RUN/clevervm.log" > "$RUN/clevervm-results"
	if (( rc == 77 )); then
		loud "SKIPPED: clevervm checks ($(grep '^SKIP' "$RUN/clevervm.log"))"
		echo skipped > "$RUN/clevervm-results"
	fi
	# unmigrate leaves the guest where it is; the failover phase needs GFS2 on both again.
	wait_for 900 10 "GFS2 mounted on both nodes" gfs2_mounted_both || { show_failures; die "GFS2 not back on both after clevervm"; }
	wait_for 600 10 "labguest running" guest_running_somewhere || { show_failures; die "labguest not running after clevervm"; }
	no_failures || { show_failures; log "WARNING: Pacemaker reports failed actions (above)"; }
	(( rc == 0 || rc == 77 )) || die "clevervm checks failed: $(cat "$RUN/clevervm-results") (log $RUN/clevervm.log)"
}
