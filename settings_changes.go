package kassa

// Changes returns the settings that next changes, each as its old and new
// value, keyed by its audit name (mo_callback_url, dr_callback_url,
// http_forward_method). It is empty, never nil, when nothing changes.
func (s Settings) Changes(next Settings) map[string][2]string {
	d := map[string][2]string{}
	if s.MOCallbackURL != next.MOCallbackURL {
		d["mo_callback_url"] = [2]string{s.MOCallbackURL, next.MOCallbackURL}
	}
	if s.DRCallbackURL != next.DRCallbackURL {
		d["dr_callback_url"] = [2]string{s.DRCallbackURL, next.DRCallbackURL}
	}
	if s.HTTPForwardMethod != next.HTTPForwardMethod {
		d["http_forward_method"] = [2]string{s.HTTPForwardMethod, next.HTTPForwardMethod}
	}
	return d
}
