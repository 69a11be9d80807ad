package contract

import "github.com/apikit/apikit/capture"

// Exchange is one HTTP request and, when one was received, its response, with where it came from. It is
// [capture.Exchange]; the name stays here so that code written against contract keeps compiling.
type Exchange = capture.Exchange
