package ws

import gws "github.com/gobwas/ws"

// OpCode is a WebSocket frame opcode (RFC 6455 section 5.2); it is gobwas/ws's type.
type OpCode = gws.OpCode

// StatusCode is a WebSocket close code (RFC 6455 section 7.4); it is gobwas/ws's type.
type StatusCode = gws.StatusCode

// Opcodes of the frames a message handler sees or a writer sends.
const (
	OpText   OpCode = gws.OpText
	OpBinary OpCode = gws.OpBinary
	OpClose  OpCode = gws.OpClose
	OpPing   OpCode = gws.OpPing
	OpPong   OpCode = gws.OpPong
)

// Close codes of RFC 6455 section 7.4.1 and the IANA registry.
const (
	StatusNormalClosure       StatusCode = 1000
	StatusGoingAway           StatusCode = 1001
	StatusProtocolError       StatusCode = 1002
	StatusUnsupportedData     StatusCode = 1003
	StatusNoStatusRcvd        StatusCode = 1005 // never sent: reported when a close frame had no code
	StatusAbnormalClosure     StatusCode = 1006 // never sent: connection dropped without a close frame
	StatusInvalidPayloadData  StatusCode = 1007
	StatusPolicyViolation     StatusCode = 1008
	StatusMessageTooBig       StatusCode = 1009
	StatusMandatoryExtension  StatusCode = 1010
	StatusInternalServerError StatusCode = 1011
	StatusServiceRestart      StatusCode = 1012
	StatusTryAgainLater       StatusCode = 1013
	StatusBadGateway          StatusCode = 1014
)

// ValidCloseCode reports whether code may appear in a close frame on the wire (RFC 6455
// section 7.4): 1000-1003, 1007-1014 (1012-1014 are registered with IANA) and 3000-4999.
// 0-999, 1004-1006, 1015, 1016-2999 and 5000 and above are invalid.
func ValidCloseCode(code StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
