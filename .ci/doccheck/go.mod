module doccheck

go 1.24.0
