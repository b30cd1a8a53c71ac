import { z } from 'zod';
import listPrices from './prices.json' with { type: 'json' };

/**
 * The list prices a cost estimate uses, from prices.json (one file, so that a price change is one
 * edit). Checked when loaded: a typo there must fail loudly, not price a run at NaN.
 */

const usd = z.number().nonnegative();
const source = z.url();

export const priceListSchema = z.object({
  description: z.string(),
  /** The date the prices were read off the pricing pages (YYYY-MM-DD). */
  asOf: z.iso.date(),
  region: z.string().min(1),
  currency: z.literal('USD'),
  lambda: z.object({ source, armUsdPerGbSecond: usd, usdPerMillionRequests: usd }),
  stepFunctions: z.object({ source, standardUsdPerThousandTransitions: usd }),
  athena: z.object({ source, usdPerTbScanned: usd, bytesPerTb: z.number().int().positive(), minimumBytesPerQuery: z.number().int().nonnegative() }),
  s3: z.object({ source, usdPerThousandPutCopyPostList: usd, usdPerThousandGetAndOther: usd, standardUsdPerGbMonth: usd }),
  cloudWatch: z.object({ source, logsUsdPerGbIngested: usd, logsUsdPerGbMonthStored: usd, usdPerAlarmMonth: usd, usdPerDashboardMonth: usd }),
  kms: z.object({ source, usdPerKeyMonth: usd }),
  sqs: z.object({ source, usdPerMillionRequests: usd }),
});
export type PriceList = z.infer<typeof priceListSchema>;

/** prices.json, checked. */
export const LIST_PRICES: PriceList = priceListSchema.parse(listPrices);
