# Sourced by .ci/release and .ci/modcheck: reads versions.yaml at the root.
#   released   "<folder> <version>" lines, in release order
#   unreleased folder names
#   mod_root   the module path prefix of every module of ours
mod_root=github.com/netman-go/netman
released=$(awk '/^[^ #]/ { sec = $1 } sec == "modules:" && /^  [a-z]/ { sub(":", "", $1); print $1, $2 }' versions.yaml)
unreleased=$(awk '/^[^ #]/ { sec = $1 } sec == "unreleased:" && /^  - / { print $2 }' versions.yaml)
version_of() { awk -v m="$1" '$1 == m { print $2 }' <<<"$released"; }

# our_requires <folder>: "<path> <version>" for every require of a module of
# ours in <folder>/go.mod (replace lines are not requires).
our_requires() {
	awk '/^require \(/ { inb = 1; next } inb && /^\)/ { inb = 0 }
		inb { print $1, $2 } /^require [^(]/ { print $2, $3 }' "$1/go.mod" |
		grep "^$mod_root/" || true
}

# check_versions: every go.work module is listed once in versions.yaml, every
# listed module exists with the right path, released modules come after the
# modules they require, and every require of ours names the version
# versions.yaml gives. Prints each problem; returns 1 if there was one.
check_versions() {
	local bad=0 folder ver path req seen=" " workmods
	workmods=$(sed -n 's/^[[:space:]]*\.\/\([^[:space:])]*\).*/\1/p' go.work)
	for folder in $workmods; do
		if ! grep -qx "$folder" <<<"$(cut -d' ' -f1 <<<"$released")"$'\n'"$unreleased"; then
			echo "versions.yaml: go.work module $folder is neither under modules: nor unreleased:"; bad=1
		fi
	done
	while read -r folder ver; do
		[[ $ver =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ||
			{ echo "versions.yaml: $folder: $ver is not vMAJOR.MINOR.PATCH"; bad=1; }
		[[ $ver == v0.* || $ver == v1.* ]] ||
			{ echo "versions.yaml: $folder: $ver needs a /v${ver%%.*} module path"; bad=1; }
		if [ ! -f "$folder/go.mod" ]; then
			echo "versions.yaml: $folder has no go.mod"; bad=1; continue
		fi
		path=$(awk '$1 == "module" { print $2; exit }' "$folder/go.mod")
		[ "$path" = "$mod_root/$folder" ] || { echo "$folder/go.mod: module $path, want $mod_root/$folder"; bad=1; }
		seen+="$folder "
	done <<<"$released"
	for folder in $(cut -d' ' -f1 <<<"$released") $unreleased; do
		[ -f "$folder/go.mod" ] || continue
		while read -r path req; do
			[ -n "$path" ] || continue
			local dep=${path#"$mod_root/"} want
			want=$(version_of "$dep")
			if [ -z "$want" ]; then
				echo "$folder/go.mod: requires $path, which versions.yaml does not release"; bad=1
			elif [ "$req" != "$want" ]; then
				echo "$folder/go.mod: requires $path $req, versions.yaml says $want (run .ci/release)"; bad=1
			fi
			# The replace keeps GOWORK=off builds inside the clone working
			# before the tag exists; users' builds ignore it.
			grep -Eq "^[[:space:]]*(replace[[:space:]]+)?$path[[:space:]]+=>[[:space:]]+\.\./$dep\$" "$folder/go.mod" ||
				{ echo "$folder/go.mod: no replace $path => ../$dep"; bad=1; }
		done <<<"$(our_requires "$folder")"
	done
	# Release order: a released module's requires are released before it.
	local before=" "
	while read -r folder ver; do
		while read -r path req; do
			[ -n "$path" ] || continue
			dep=${path#"$mod_root/"}
			[[ $before == *" $dep "* ]] ||
				{ echo "versions.yaml: $folder requires $dep, so $dep must be listed above it"; bad=1; }
		done <<<"$(our_requires "$folder")"
		before+="$folder "
	done <<<"$released"
	return $bad
}
