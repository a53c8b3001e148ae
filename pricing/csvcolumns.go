package pricing

import "strings"

// csvColumn is what a rate-deck column means.
type csvColumn int

const (
	colNone csvColumn = iota
	colPrefix
	colMCC
	colMNC
	colMCCMNC
	colCountry
	colNetwork
	colNetworkCode
	colNetworkType
	colPrice
	colCurrency
	colEffective
	colType
	numColumns
)

// csvColumnNames are the header names kassa understands, after
// normalisation (lower case; '_', '-', '.', '/' as spaces; spaces
// collapsed). Other columns are ignored.
var csvColumnNames = map[string]csvColumn{
	"prefix": colPrefix, "dial code": colPrefix, "dialcode": colPrefix, "code": colPrefix,
	"dial prefix": colPrefix, "dialing code": colPrefix, "dialling code": colPrefix,
	"dialing prefix": colPrefix, "dialling prefix": colPrefix, "destination code": colPrefix,
	"mcc": colMCC, "mnc": colMNC, "mcc mnc": colMCCMNC, "mccmnc": colMCCMNC,
	"country": colCountry, "country code": colCountry, "iso": colCountry, "iso2": colCountry,
	"iso code": colCountry, "country iso": colCountry, "country name": colCountry,
	"network": colNetwork, "network name": colNetwork, "operator": colNetwork,
	"operator name": colNetwork, "carrier": colNetwork,
	"network code": colNetworkCode, "networkcode": colNetworkCode, "network id": colNetworkCode,
	"network type": colNetworkType,
	"price":        colPrice, "rate": colPrice, "cost": colPrice, "mt price": colPrice,
	"mtprice": colPrice, "price per unit": colPrice, "unit price": colPrice,
	"currency": colCurrency, "cur": colCurrency,
	"effective date": colEffective, "effective from": colEffective, "effective": colEffective,
	"type": colType, "service": colType, "service type": colType,
}

// columnNames names each column kind in messages.
var columnNames = [numColumns]string{
	colPrefix: "prefix", colMCC: "mcc", colMNC: "mnc", colMCCMNC: "mcc/mnc",
	colCountry: "country", colNetwork: "network", colNetworkCode: "network code",
	colNetworkType: "network type", colPrice: "price", colCurrency: "currency",
	colEffective: "effective date", colType: "type",
}

// normalizeHeader folds a header cell for lookup in csvColumnNames.
func normalizeHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', '/':
			return ' '
		}
		return r
	}, h)
	return strings.Join(strings.Fields(h), " ")
}
