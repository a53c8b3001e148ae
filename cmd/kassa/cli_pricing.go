package main

import (
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newPricingCmd builds `kassa pricing country|prefix|full`.
func newPricingCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "Show outbound prices by country, dialling prefix or in full",
		Long: `Show the account's outbound prices for a service type: sms (the default),
sms-transit or voice.`,
		Example: `  kassa pricing country GB --type sms
  kassa pricing prefix 44
  kassa pricing full --type voice -o csv > voice-prices.csv`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	var typ string
	cmd.PersistentFlags().StringVarP(&typ, "type", "t", "sms", "service type: sms, sms-transit or voice")
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		switch kassa.ServiceType(typ) {
		case kassa.SMS, kassa.SMSTransit, kassa.Voice:
		default:
			return usageError("--type %q: must be sms, sms-transit or voice", typ)
		}
		return f.checkOutput()
	}
	st := func() kassa.ServiceType { return kassa.ServiceType(typ) }
	cmd.AddCommand(newPricingCountryCmd(e, f, st), newPricingPrefixCmd(e, f, st), newPricingFullCmd(e, f, st))
	cmd.AddCommand(newPricingListCmd(e, f), newPricingImportCmd(e, f, st), newPricingExportCmd(e, f, st), newPricingActivateCmd(e, f)) // price books (admin): cli_pricebooks.go
	return cmd
}

func newPricingCountryCmd(e *env, f *cliFlags, typ func() kassa.ServiceType) *cobra.Command {
	return &cobra.Command{
		Use:   "country CODE",
		Short: "Show one country's prices, network by network",
		Example: `  kassa pricing country GB
  kassa pricing country de --type voice -o json`,
		Args: exactArgs(1, "a country code (ISO 3166-1 alpha-2, e.g. GB)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			cp, err := c.CountryPricing(cmd.Context(), typ(), strings.ToUpper(args[0]))
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, networksView(cp))
		},
	}
}

func newPricingPrefixCmd(e *env, f *cliFlags, typ func() kassa.ServiceType) *cobra.Command {
	return &cobra.Command{
		Use:   "prefix DIGITS",
		Short: "Show the prices of every country with a dialling prefix",
		Example: `  kassa pricing prefix 44
  kassa pricing prefix 1 --type voice`,
		Args: exactArgs(1, "a dialling prefix (e.g. 44)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			l, err := c.PrefixPricing(cmd.Context(), typ(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, countriesView(l))
		},
	}
}

func newPricingFullCmd(e *env, f *cliFlags, typ func() kassa.ServiceType) *cobra.Command {
	return &cobra.Command{
		Use:   "full",
		Short: "Show the prices of every country",
		Example: `  kassa pricing full
  kassa pricing full --type voice -o csv > voice-prices.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			l, err := c.FullPricing(cmd.Context(), typ())
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, countriesView(l))
		},
	}
}

// networksView lists one country's networks.
func networksView(cp *client.CountryPrice) view {
	v := view{value: cp, header: []string{"country", "network_code", "network_name", "type", "mcc", "mnc", "price", "currency"}}
	for _, n := range cp.Networks {
		v.rows = append(v.rows, []string{cp.CountryCode, n.NetworkCode, n.NetworkName, n.Type, n.MCC, n.MNC, n.Price.String(), n.Currency})
	}
	return v
}

// countriesView lists countries with their default price and network count.
func countriesView(l *client.PriceList) view {
	v := view{value: l, header: []string{"country", "name", "dialing_prefix", "default_price", "currency", "networks"}}
	for _, cp := range l.Countries {
		price := ""
		if cp.HasDefaultPrice {
			price = cp.DefaultPrice.String()
		}
		v.rows = append(v.rows, []string{cp.CountryCode, cp.CountryDisplayName, cp.DialingPrefix, price, cp.Currency, strconv.Itoa(len(cp.Networks))})
	}
	return v
}
