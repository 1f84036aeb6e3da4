# Phase "stack": agents, DRBD, corosync/Pacemaker via pcs, and the resource stack
# drbd-dual (promotable, 2 promoted) -> controld -> clvm (lvmlockd) -> gfs2fs -> virtdomain.
# Sourced by run.sh.

BUILD_DIR=${OCFKIT_BUILD_DIR:-/work/build-cluster}
AGENTS=(drbd-dual controld clvm gfs2fs virtdomain)
# The packages the guests get (debian/control); ocfkit-clevervm and ocfkit-heartbeat are absent
# from the build while their sources install nothing (build-debs.sh's NOTE says so).
PACKAGES=(ocfkit-agents ocfkit-clevervm ocfkit-heartbeat)
GFS2_DIR=/srv/gfs2
VG=vgshared
LV=gfs2lv

# This tree's Debian packages (tests/packaging/build-debs.sh: dpkg-buildpackage on a copy of the
# tree) into $SHARE/debs; the agents they ship are extracted to $SHARE/agents (pcs on the host
# validates against these, agent_for looks there). Fails when the package build fails.
build_debs() {
	local out=$RUN/debbuild p deb
	rm -rf "$out" "$SHARE/debs" "$SHARE/agents" "$RUN/debroot"
	mkdir -p "$SHARE/debs" "$SHARE/agents"
	if [[ -n ${OCFKIT_CLUSTER_DEBS:-} ]]; then
		# Packages built earlier by build-debs.sh (the build is the heaviest step on this host).
		ls "$OCFKIT_CLUSTER_DEBS"/ocfkit-agents_*.deb >/dev/null 2>&1 ||
			{ log "OCFKIT_CLUSTER_DEBS=$OCFKIT_CLUSTER_DEBS holds no ocfkit-agents .deb"; return 1; }
		log "using the packages in $OCFKIT_CLUSTER_DEBS (OCFKIT_CLUSTER_DEBS; not rebuilt)"
		out=$OCFKIT_CLUSTER_DEBS
	else
		log "building the Debian packages (tests/packaging/build-debs.sh; log $out/build.log)"
		if [[ $RELEASE == 13 ]]; then
			# Built with Debian 13's toolchain and libraries, in the root of tests/debian13
			# (which sees this tree at /src), then moved here.
			rm -rf "$REPO_DIR/build-cluster-debs13"
			nice -n 5 bash "$REPO_DIR/tests/debian13/run.sh" shell \
				bash tests/packaging/build-debs.sh /src/build-cluster-debs13 >&2 &&
				mkdir -p "$out" && mv "$REPO_DIR/build-cluster-debs13"/* "$out/" ||
				{ log "the package build in the Debian 13 root failed"; return 1; }
		elif ! nice -n 5 bash "$REPO_DIR/tests/packaging/build-debs.sh" "$out" >&2; then
			log "the package build failed (log $out/build.log)"
			return 1
		fi
	fi
	for p in "${PACKAGES[@]}"; do
		deb=$(ls "$out/${p}"_*.deb 2>/dev/null | head -1)
		if [[ -z $deb ]]; then log "NOTE: no $p package in this build"; continue; fi
		cp "$deb" "$SHARE/debs/"
		log "$(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
		dpkg-deb -x "$deb" "$RUN/debroot"
	done
	ls "$SHARE/debs"/ocfkit-agents_*.deb >/dev/null 2>&1 || { log "the build made no ocfkit-agents package"; return 1; }
	cp "$RUN/debroot/usr/lib/ocf/resource.d/custom/"* "$SHARE/agents/" 2>/dev/null
	log "agents in ocfkit-agents: $(ls "$SHARE/agents" | tr '\n' ' ')"
}

# Install the packages in both guests, offline (the guests reach nothing but each other: apt
# takes the .debs from the 9p share and every Depends must already be in the image, see
# guest-packages.txt). apt-get's --no-download is no use here: apt 2.6 then refuses local .debs
# ("Pathname to install is not absolute"). Then each package must be installed and each
# agent's meta-data must run.
install_debs() {
	local pkgs; pkgs=$(cd "$SHARE/debs" && ls *.deb | sed 's/_.*//' | tr '\n' ' ')
	gx_all "set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --reinstall --no-install-recommends -o Acquire::Retries=0 /host/debs/*.deb \
			> /tmp/ocfkit-apt.log 2>&1 || { tail -25 /tmp/ocfkit-apt.log; exit 1; }
		for p in $pkgs; do
			st=\$(dpkg-query -W -f '\${Status} \${Version}' \$p)
			echo \"\$p: \$st\"
			case \$st in 'install ok installed '*) ;; *) exit 1;; esac
		done
		for a in /usr/lib/ocf/resource.d/custom/*; do
			\$a meta-data > /tmp/md.xml 2>/tmp/md.err || { echo \"meta-data of \$a failed: \$(tail -1 /tmp/md.err)\"; exit 1; }
			grep -q '<resource-agent name=\"'\$(basename \$a)'\"' /tmp/md.xml || { echo \"bad meta-data from \$a\"; exit 1; }
		done
		echo \"meta-data ok: \$(ls /usr/lib/ocf/resource.d/custom | tr '\n' ' ')\"
		if [ -x /usr/sbin/clevervm ]; then
			/usr/sbin/clevervm --help > /dev/null || { echo 'clevervm --help failed'; exit 1; }
			echo 'clevervm --help ok'
			# As virtdomain's call_timeout=60 below: the socket-activated libvirtd's start under
			# TCG outlasts clevervm's default 5 s connect bound.
			mkdir -p /etc/ocfkit
			echo 'call_timeout = 60' > /etc/ocfkit/clevervm.conf
		fi" 600
}

# FALLBACK when the packages do not build: build whichever agents exist in this tree with
# meson (tests off) and copy the executables into the guests.
build_agents() {
	local a have=()
	for a in "${AGENTS[@]}"; do [[ -e $REPO_DIR/agents/$a/meson.build ]] && have+=("$a"); done
	rm -rf "$SHARE/agents"; mkdir -p "$SHARE/agents"
	if (( ${#have[@]} == 0 )); then log "no agents in $REPO_DIR/agents yet"; return 0; fi
	local list; list=$(IFS=,; echo "${have[*]}")
	if [[ ! -e $BUILD_DIR/build.ninja ]]; then
		meson setup "$BUILD_DIR" "$REPO_DIR" -Dtests=false -Dagents="$list" >/dev/null ||
			{ log "meson setup failed"; return 0; }
	else
		meson configure "$BUILD_DIR" -Dagents="$list" >/dev/null
	fi
	if ! nice -n 5 ninja -C "$BUILD_DIR" -j1 > "$RUN/build.log" 2>&1; then
		tail -20 "$RUN/build.log" >&2
		log "build of the agents failed (log $RUN/build.log); layers fall back to stock agents"
	fi
	for a in "${have[@]}"; do
		local exe; exe=$(find "$BUILD_DIR/agents/$a" -maxdepth 1 -type f -name "$a" -perm -u+x 2>/dev/null | head -1)
		[[ -n $exe ]] && cp "$exe" "$SHARE/agents/$a"
	done
	log "built agents: $(ls "$SHARE/agents" | tr '\n' ' ')"
}

# FALLBACK: copy the built agents into both guests; an agent counts as usable when its
# meta-data runs there (same Debian 12 libraries as the host).
install_agents() {
	gx_all '
		d=/usr/lib/ocf/resource.d/custom
		mkdir -p $d; rm -f $d/*
		for f in /host/agents/*; do
			[ -e "$f" ] || continue
			install -m 0755 "$f" $d/
			if ! $d/$(basename $f) meta-data > /dev/null 2>/tmp/md.err; then
				echo "unusable: $(basename $f): $(tail -1 /tmp/md.err)"; rm -f $d/$(basename $f)
			fi
		done
		ls $d | tr "\n" " "' 60
}

# The agents in the guests: this build's packages, or (loudly) the executables copied in.
# $RUN/agent-source says which: "deb <version>" or "copied <builddir>".
provide_agents() {
	if build_debs; then
		install_debs || die "installing this build's packages in the guests failed"
		local v; v=$(gx node1 "dpkg-query -W -f '\${Version}' ocfkit-agents" 30)
		echo "deb $v" > "$RUN/agent-source"
		log "guests run this build's packages: $(cd "$SHARE/debs" && ls | tr '\n' ' ')"
	else
		loud "FALLBACK: the Debian packages did not build: copying meson-built agents into the guests"
		build_agents
		install_agents || die "installing agents failed"
		echo "copied $BUILD_DIR" > "$RUN/agent-source"
	fi
}

# Which agent each layer uses: ours if installed in the guests, otherwise the stock one, loudly.
# OCFKIT_CLUSTER_STACK=stock: the stock agents everywhere although ours are installed (the
# adopt phase then moves the running stack onto ours).
STACK=${OCFKIT_CLUSTER_STACK:-ocfkit}
[[ $STACK == ocfkit || $STACK == stock ]] || die "OCFKIT_CLUSTER_STACK must be stock or ocfkit, not '$STACK'"
declare -A STOCK=([drbd-dual]=ocf:linbit:drbd [controld]=ocf:pacemaker:controld
	[clvm]=ocf:heartbeat:lvmlockd [gfs2fs]=ocf:heartbeat:Filesystem
	[virtdomain]=ocf:heartbeat:VirtualDomain)
agent_for() {
	[[ $STACK == stock ]] && { echo "${STOCK[$1]}"; return; }
	if [[ -e $SHARE/agents/$1 ]] && gx node1 "test -x /usr/lib/ocf/resource.d/custom/$1" 10 >/dev/null; then
		echo "ocf:custom:$1"
	else
		echo "${STOCK[$1]}"
	fi
}
# $RUN/agents-used: "<layer> <agent> <how>", how = "deb <version>", "copied <builddir>",
# "stock" (fallback) or "stock (OCFKIT_CLUSTER_STACK=stock)"; plus a clevervm line when the
# package is installed, and an ocfkit line (the adopt command) with its package.
report_agents() {
	local a t src
	src=$(cat "$RUN/agent-source" 2>/dev/null)
	: > "$RUN/agents-used"
	for a in "${AGENTS[@]}"; do
		t=$(agent_for "$a")
		if [[ $t == ocf:custom:* ]]; then
			echo "$a $t $src" >> "$RUN/agents-used"
			log "layer $a: $t ($src)"
		elif [[ $STACK == stock ]]; then
			echo "$a $t stock (OCFKIT_CLUSTER_STACK=stock)" >> "$RUN/agents-used"
			log "layer $a: $t (OCFKIT_CLUSTER_STACK=stock)"
		else
			echo "$a $t stock" >> "$RUN/agents-used"
			loud "FALLBACK: layer $a uses the STOCK agent $t (ocfkit agent $a not built/installed)"
		fi
	done
	local cv; cv=$(gx node1 "dpkg-query -W -f '\${Status} \${Version}' ocfkit-clevervm 2>/dev/null" 30)
	[[ $cv == "install ok installed "* ]] && echo "clevervm /usr/sbin/clevervm deb ${cv##* }" >> "$RUN/agents-used"
	gx node1 'test -x /usr/sbin/ocfkit' 10 >/dev/null && echo "ocfkit /usr/sbin/ocfkit $src" >> "$RUN/agents-used"
	cat "$RUN/agents-used" >&2
}

drbd_config() {
	cp "$CLUSTER_DIR/conf/r0.res" "$SHARE/work/r0.res"
	# Fault row 7 needs the lower device on a dm table (faults-phase.sh).
	[[ ${OCFKIT_CLUSTER_DRBD_DM:-0} == 1 ]] && drbd_lower_on_dm
	gx_all 'install -m 0644 /host/work/r0.res /etc/drbd.d/r0.res && drbdadm dump r0 >/dev/null' 60 ||
		die "drbd config rejected"
}

# First-time DRBD: metadata, connect, full initial sync (captured while it runs), then hand
# the resource to Pacemaker down and Secondary.
drbd_initial_sync() {
	gx_all 'modprobe drbd && cat /proc/drbd | head -1 && drbdadm create-md --force r0 >/dev/null 2>&1 &&
		drbdadm up r0' 120 || die "drbd create-md/up failed"
	wait_for 180 2 "DRBD r0 connected (Secondary/Secondary Inconsistent)" \
		gx node1 'drbdadm cstate r0 | grep -qx Connected' || die "DRBD did not connect"
	capture_drbd connected-inconsistent
	gq node1 'drbdadm primary --force r0' 60
	wait_for 60 1 "resync running" gx node2 'drbdadm cstate r0 | grep -q SyncTarget' ||
		die "no resync"
	capture_drbd resyncing
	wait_for 900 5 "initial sync done (UpToDate/UpToDate)" \
		gx node1 'drbdadm dstate r0 | grep -qx UpToDate/UpToDate' || die "initial sync did not finish"
	gq node1 'drbdadm secondary r0' 60
	capture_drbd connected-secondary
	gx node2 'drbdadm disconnect r0' 60
	sleep 2
	capture_drbd disconnected-secondary
	gx_all 'drbdadm down r0' 60 || die "drbd down failed"
}

corosync_setup() {
	# pcs local-only mode writes corosync.conf without pcsd (pcsd under emulation is what makes
	# the classic `pcs host auth` + `pcs cluster setup` take minutes and time out).
	rm -f "$SHARE/work/corosync.conf"
	local n members=
	for n in "${NODES[@]}"; do members+=" $n addr=${NODE_ADDR[$n]}"; done
	gq node1 "pcs cluster setup $CLUSTER_NAME$members \
		transport knet totem token=20000 --corosync_conf /host/work/corosync.conf 2>&1 | grep -v known-hosts;
		corosync-keygen -l -k /host/work/authkey >/dev/null" 180
	gx_all 'install -m 0644 /host/work/corosync.conf /etc/corosync/corosync.conf &&
		install -m 0400 /host/work/authkey /etc/corosync/authkey &&
		systemctl enable corosync pacemaker 2>/dev/null && systemctl start corosync pacemaker' 300 ||
		die "corosync/pacemaker did not start"
	wait_for 600 5 "all ${#NODES[@]} nodes online in Pacemaker" nodes_online
}

nodes_online() {
	local out; out=$(gx node1 'crm_mon -1 --output-as=xml 2>/dev/null' 60) || return 1
	[[ $(grep -c '<node name="node[0-9]*" [^>]*online="true"' <<< "$out") == "${#NODES[@]}" ]]
}

# capture STATE [WHAT...] on both nodes (see conf/capture.sh); saved under $SHARE/captures.
capture() {
	cp "$CLUSTER_DIR/conf/capture.sh" "$SHARE/work/capture.sh"
	gx_all "bash /host/work/capture.sh $*" 120 || log "capture $1 incomplete"
}
capture_drbd() { capture "$1" drbd; }

# pcs_batch NAME SCRIPT: apply pcs commands (written as `pcs -f $CIB ...`) to a copy of the
# live CIB and push its configuration in one go.  By default pcs runs on the host (same
# Debian 12 pcs/Pacemaker as the guests) against node1's CIB, in a private mount namespace
# where /usr/lib/ocf/resource.d/custom holds exactly the agents the guests run (from the
# ocfkit-agents .deb, or the copied executables in the fallback) so pcs validates their
# parameters from their real meta-data: each pcs call costs 1-2 s there but minutes inside a
# TCG guest on a loaded 2-core host (measured: 5 calls did not finish in 15 min).
# OCFKIT_CLUSTER_PCS=guest runs the same script on node1 instead.
pcs_batch() {
	local name=$1 body=$2 mode=${OCFKIT_CLUSTER_PCS:-host}
	local dir=$SHARE/work/pcs-$name
	rm -rf "$dir"; mkdir -p "$dir"
	{
		echo 'set -ex'
		echo "CIB=\${CIB:-/host/work/pcs-$name/cib.xml}"
		printf '%s\n' "$body"
	} > "$dir/batch.sh"
	log "pcs batch $name ($mode):"; sed -n '3,$p' "$dir/batch.sh" | grep . | sed 's/^/    /' >&2
	gx node1 "cibadmin -Q > /host/work/pcs-$name/cib.xml" 120 || die "cannot read the CIB from node1"
	if [[ $mode == guest ]]; then
		gx node1 "bash /host/work/pcs-$name/batch.sh" 1800 > "$RUN/pcs-$name.log" 2>&1 ||
			{ cat "$RUN/pcs-$name.log" >&2; die "pcs batch $name failed"; }
	elif [[ $RELEASE == 13 ]]; then
		# pcs 0.12 and Pacemaker 3.0 from the root of tests/debian13, chrooted, with the agents
		# under custom/ as above and the batch directory at /tmp; the configuration is
		# extracted there too (Debian 12's cibadmin does not know Pacemaker 3.0's schema).
		local root
		root=$(bash "$REPO_DIR/tests/debian13/run.sh" prepare 2>&1 | sed -n 's/^debian13: using the cached root //p')
		[[ -d $root ]] || root=$(bash "$REPO_DIR/tests/debian13/run.sh" prepare 2>&1 | sed -n 's/^debian13: using the cached root //p')
		[[ -d $root/usr/lib/ocf/resource.d ]] || die "no Debian 13 root (tests/debian13/run.sh prepare) for pcs 0.12"
		rm -rf "$RUN/resource.d"
		cp -a "$root/usr/lib/ocf/resource.d" "$RUN/resource.d"
		rm -rf "$RUN/resource.d/custom"; mkdir -p "$RUN/resource.d/custom"
		cp "$SHARE"/agents/* "$RUN/resource.d/custom/" 2>/dev/null
		unshare -m --propagation private bash -c 'r=$1; set -e
			mount --bind "$2" "$r/usr/lib/ocf/resource.d"
			mount --bind "$3" "$r/tmp"
			mount --rbind /dev "$r/dev"; mount -t proc proc "$r/proc"; mount -t tmpfs run "$r/run"
			chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
				CIB=/tmp/cib.xml bash -c "bash /tmp/batch.sh && CIB_file=/tmp/cib.xml \
					cibadmin -Q --scope configuration > /tmp/configuration.xml"' \
			_ "$root" "$RUN/resource.d" "$dir" > "$RUN/pcs-$name.log" 2>&1 ||
			{ cat "$RUN/pcs-$name.log" >&2; die "pcs batch $name failed"; }
	else
		# Only this build's agents under custom/ (not whatever the host has installed there).
		rm -rf "$RUN/resource.d"
		cp -a /usr/lib/ocf/resource.d "$RUN/resource.d"
		rm -rf "$RUN/resource.d/custom"; mkdir -p "$RUN/resource.d/custom"
		cp "$SHARE"/agents/* "$RUN/resource.d/custom/" 2>/dev/null
		CIB=$dir/cib.xml unshare -m --propagation private bash -c \
			'mount --bind "$1" /usr/lib/ocf/resource.d && bash "$2"' _ "$RUN/resource.d" "$dir/batch.sh" \
			> "$RUN/pcs-$name.log" 2>&1 || { cat "$RUN/pcs-$name.log" >&2; die "pcs batch $name failed"; }
	fi
	grep -v '^+' "$RUN/pcs-$name.log" >&2 || true
	[[ $RELEASE == 13 && $mode != guest ]] ||
		CIB_file=$dir/cib.xml cibadmin -Q --scope configuration > "$dir/configuration.xml" ||
		die "cannot extract the configuration"
	gx node1 "cibadmin --replace --scope configuration --xml-file /host/work/pcs-$name/configuration.xml" 300 ||
		die "pushing the configuration of batch $name failed"
}

# Pacemaker's own view: a resource (clone) has no failed actions.
no_failures() {
	local out; out=$(gx node1 'crm_mon -1 --output-as=xml' 60) || return 1
	! grep -q '<failure ' <<< "$out"
}
show_failures() {
	gx node1 'crm_mon -1 --output-as=xml | grep "<failure " ; crm_mon -1 -r' 60 >&2 || true
}

drbd_primary_both() { gx_all 'drbdadm role r0 | grep -qx Primary/Primary && drbdadm dstate r0 | grep -qx UpToDate/UpToDate' 60 >/dev/null; }
# "_both": on every node (gx_all), three in the san topology.
dlm_running_both() { gx_all 'dlm_tool ls >/dev/null 2>&1 && pgrep -x dlm_controld >/dev/null' 60 >/dev/null; }
lvmlockd_running_both() { gx_all 'pgrep -x lvmlockd >/dev/null && lvmlockctl --info >/dev/null 2>&1' 60 >/dev/null; }
gfs2_mounted_both() { gx_all "grep -q ' $GFS2_DIR gfs2 ' /proc/mounts" 60 >/dev/null; }
guest_running_somewhere() {
	local n
	for n in "${NODES[@]}"; do
		gx "$n" 'virsh -q domstate labguest 2>/dev/null | grep -qx running' 60 && return 0
	done
	return 1
}

stack_base() {
	local drbd controld clvm
	drbd=$(agent_for drbd-dual); controld=$(agent_for controld); clvm=$(agent_for clvm)
	pcs_batch base "
pcs -f \$CIB property set stonith-enabled=true no-quorum-policy=freeze
pcs -f \$CIB property set load-threshold=1000% --force
pcs -f \$CIB resource defaults update resource-stickiness=100
pcs -f \$CIB resource op defaults update timeout=180s
pcs -f \$CIB stonith create fence-lab fence_ocfkit_lab pcmk_host_list='node1 node2' \
	pcmk_off_action=reboot pcmk_delay_max=5s power_timeout=90 op monitor interval=60s --force
pcs -f \$CIB resource create drbd-r0 $drbd drbd_resource=r0 \
	op monitor interval=29s role=Promoted timeout=120s monitor interval=31s role=Unpromoted timeout=120s \
	start timeout=240s stop timeout=180s promote timeout=180s demote timeout=180s notify timeout=180s \
	promotable $PCS_CLONE_META promoted-max=2 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true interleave=true $PCS_FUTURE
pcs -f \$CIB resource create dlm $controld op monitor interval=30s timeout=120s on-fail=fence \
	start timeout=180s stop timeout=180s clone $PCS_CLONE_META interleave=true ordered=true $PCS_FUTURE
pcs -f \$CIB resource create lvmlockd $clvm op monitor interval=30s timeout=120s on-fail=fence \
	start timeout=180s stop timeout=180s clone $PCS_CLONE_META interleave=true ordered=true $PCS_FUTURE
pcs -f \$CIB constraint order promote drbd-r0-clone then start dlm-clone
pcs -f \$CIB constraint colocation add dlm-clone with Promoted drbd-r0-clone INFINITY
pcs -f \$CIB constraint order start dlm-clone then start lvmlockd-clone
pcs -f \$CIB constraint colocation add lvmlockd-clone with dlm-clone INFINITY
"
	wait_for 900 10 "DRBD Primary/Primary UpToDate on both" drbd_primary_both || { show_failures; die "DRBD not Primary/Primary"; }
	wait_for 600 10 "dlm_controld with lockspaces API on both" dlm_running_both || { show_failures; die "dlm not running"; }
	wait_for 600 10 "lvmlockd on both" lvmlockd_running_both || { show_failures; die "lvmlockd not running"; }
}

# One-time shared storage on the Primary/Primary DRBD device (san: the multipath map): a shared
# (lvmlockd/DLM) VG, one LV and a GFS2 with a journal per node.  The cluster resources take
# over from here.
PV_DEVICE=/dev/drbd0
LV_SIZE=  # empty: the whole VG
shared_storage() {
	gq node1 "set -e
		vgcreate --shared $VG $PV_DEVICE
		lvcreate -an -Zn -n $LV $([[ -n $LV_SIZE ]] && echo "-L $LV_SIZE" || echo "-l 100%FREE") $VG
		lvchange -aey $VG/$LV
		mkfs.gfs2 -O -p lock_dlm -t $CLUSTER_NAME:gfs2 -j ${#NODES[@]} -J 16 /dev/$VG/$LV
		lvchange -an $VG/$LV
		vgs --reportformat json $VG" 900
	gx_all "mkdir -p $GFS2_DIR" 60
}

stack_fs() {
	local clvm gfs2 lvm_layer
	clvm=$(agent_for clvm); gfs2=$(agent_for gfs2fs)
	if [[ $clvm == ocf:custom:clvm ]]; then
		# ocfkit clvm starts the VG lockspace and activates it shared on every node itself.
		lvm_layer="pcs -f \$CIB resource update lvmlockd volgrpname=$VG activate_vgs=true activation_mode=shared
pcs -f \$CIB constraint order start lvmlockd-clone then start gfs2-clone
pcs -f \$CIB constraint colocation add gfs2-clone with lvmlockd-clone INFINITY"
	else
		[[ $STACK == stock ]] || loud "FALLBACK: stock lvmlockd does not activate VGs: adding ocf:heartbeat:LVM-activate"
		lvm_layer="pcs -f \$CIB resource create sharedlv ocf:heartbeat:LVM-activate vgname=$VG lvname=$LV \
	vg_access_mode=lvmlockd activation_mode=shared op monitor interval=30s timeout=90s on-fail=fence \
	start timeout=180s stop timeout=180s \
	clone $PCS_CLONE_META interleave=true $PCS_FUTURE
pcs -f \$CIB constraint order start lvmlockd-clone then start sharedlv-clone
pcs -f \$CIB constraint colocation add sharedlv-clone with lvmlockd-clone INFINITY
pcs -f \$CIB constraint order start sharedlv-clone then start gfs2-clone
pcs -f \$CIB constraint colocation add gfs2-clone with sharedlv-clone INFINITY"
	fi
	pcs_batch fs "
pcs -f \$CIB resource create gfs2 $gfs2 device=/dev/$VG/$LV directory=$GFS2_DIR fstype=gfs2 \
	options=noatime op monitor interval=20s timeout=120s on-fail=fence start timeout=180s stop timeout=180s \
	clone $PCS_CLONE_META interleave=true $PCS_FUTURE
$lvm_layer
"
	wait_for 900 10 "GFS2 mounted on all ${#NODES[@]} nodes" gfs2_mounted_both || { show_failures; die "GFS2 not mounted on both"; }
}

# The guest's disk: a boot sector that increments a 16-bit counter at 0x7e00 once a second
# (BIOS int 15h/86h wait), hand-assembled:
#   sti; xor ax,ax; mov ds,ax
#   l: inc word [0x7e00]; mov ah,86h; mov cx,000Fh; mov dx,4240h; int 15h; jmp l
labguest_disk() {
	"$PY" - "$1" <<'PYEOF'
import sys
code = bytes.fromhex("FB31C08ED8" "FF06007E" "B486" "B90F00" "BA4042" "CD15" "EBF0")
sector = code + bytes(510 - len(code)) + b"\x55\xaa"
with open(sys.argv[1], "wb") as f:
    f.write(sector + bytes(1024 * 1024 - 512))
PYEOF
}
labguest_counter() { # labguest_counter NODE: the guest's counter, read from its RAM on NODE
	gx "$1" "virsh -q qemu-monitor-command labguest --hmp 'xp /1hx 0x7e00' 2>/dev/null" 60 |
		sed -n 's/.*: 0x\([0-9a-f]*\).*/\1/p' | { read -r h && echo $((16#$h)); }
}

stack_vm() {
	local virt; virt=$(agent_for virtdomain)
	labguest_disk "$SHARE/work/labguest.img"
	cp "$CLUSTER_DIR/conf/labguest.xml" "$SHARE/work/labguest.xml"
	gq node1 "mkdir -p $GFS2_DIR/vm && cp /host/work/labguest.img /host/work/labguest.xml $GFS2_DIR/vm/ && sync" 120
	# call_timeout: Debian's libvirtd is socket-activated and exits after 120 s idle, so the first
	# libvirt call on a node that has not run the guest lately includes libvirtd's start-up:
	# 15-20 s inside a TCG guest on a loaded host, more than virtdomain's default 10 s (a failed
	# start there bans the guest from the survivor; seen in the failover phase).
	# Start and stop 300 s: the stock VirtualDomain's start timed out at 180 s on node2
	# (2026-12-06, host load 8; several virsh calls of ~20 s each under TCG).
	local extra=
	[[ $virt == ocf:custom:virtdomain ]] && extra=call_timeout=60
	pcs_batch vm "
pcs -f \$CIB resource create labguest $virt config=$GFS2_DIR/vm/labguest.xml hypervisor=qemu:///system \
	migration_transport=tcp $extra meta allow-migrate=true \
	op monitor interval=20s timeout=120s start timeout=300s stop timeout=300s \
	migrate_to timeout=300s migrate_from timeout=300s
pcs -f \$CIB constraint order start gfs2-clone then start labguest
pcs -f \$CIB constraint colocation add labguest with gfs2-clone INFINITY
"
	wait_for 900 10 "labguest running" guest_running_somewhere || { show_failures; die "labguest did not start"; }
}

stack_phase() {
	provide_agents
	report_agents
	drbd_config
	drbd_initial_sync
	corosync_setup
	stack_base
	capture base-primary-primary drbd dlm lvm crm
	shared_storage
	stack_fs
	stack_vm
	capture healthy drbd dlm lvm crm mount
	no_failures || { show_failures; log "WARNING: Pacemaker reports failed actions (above)"; }
}
capture_on() { # capture_on NODE STATE [WHAT...]
	local n=$1; shift
	cp "$CLUSTER_DIR/conf/capture.sh" "$SHARE/work/capture.sh"
	gx "$n" "bash /host/work/capture.sh $*" 120 || log "capture $1 on $n incomplete"
}
