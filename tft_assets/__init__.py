"""tft-trader: Reddit chatter and daily prices to risk-validated trading signals."""
