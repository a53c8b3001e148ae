package kassa

// SettingsUpdate changes some of an account's settings and, optionally,
// replaces one of its secrets, all in one transaction
// (AccountStore.UpdateSettings). A nil field keeps the stored value, so two
// concurrent updates of different fields both take effect.
type SettingsUpdate struct {
	MOCallbackURL     *string
	DRCallbackURL     *string
	HTTPForwardMethod *string
	// NewSecret, when not nil, replaces the secret whose ID is
	// ReplaceSecret (the legacy newSecret rotation).
	NewSecret     *Secret
	ReplaceSecret string
}

// Apply returns s with the update's given fields set.
func (u SettingsUpdate) Apply(s Settings) Settings {
	if u.MOCallbackURL != nil {
		s.MOCallbackURL = *u.MOCallbackURL
	}
	if u.DRCallbackURL != nil {
		s.DRCallbackURL = *u.DRCallbackURL
	}
	if u.HTTPForwardMethod != nil {
		s.HTTPForwardMethod = *u.HTTPForwardMethod
	}
	return s
}
