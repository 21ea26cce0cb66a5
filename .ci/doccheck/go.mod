module github.com/netman-go/netman/ci/doccheck

go 1.24.0
