package pricing

// emptyLegacy is the answer of the untyped legacy prefix path to every
// page after the first ({"count":0,"prices":[]}), which ends the PHP SDK's
// paging.
var emptyLegacy = mustEmptyLegacy()

func mustEmptyLegacy() [2]*Document {
	var out [2]*Document
	for _, f := range []Format{JSON, XML} {
		body, err := (&view{}).renderBytes(kindLegacy, f, nil)
		if err == nil {
			out[f], err = newDocument(body, f, false)
		}
		if err != nil {
			panic(err)
		}
	}
	return out
}
