package core

import "net"

func addrIP(a *net.TCPAddr) string {
	if a == nil {
		return ""
	}
	return a.IP.String()
}

func addrPort(a *net.TCPAddr) int {
	if a == nil {
		return 0
	}
	return a.Port
}
