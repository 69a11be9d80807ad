// Package capture is the model of one recorded or live HTTP exchange, and what every source of exchanges shares:
// the [Exchange] type, the loaders' one error type ([LoadError]), their options ([WithMaxBody]), and the one
// content decoder.
//
// Sources live in packages of their own beside it (capture/har, capture/cassette, capture/body and the walk over
// files and folders in capture/load); each yields exchanges one at a time. Package contract routes and validates
// them:
//
//	for ex, err := range load.Files(ctx, []string{"capture.har"}) {
//		if err != nil { ... } // a *capture.LoadError naming the file and entry
//		res := v.Validate(ctx, ex)
//		...
//	}
package capture
