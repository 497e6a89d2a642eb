import { useState } from "react";
import { useNavigate } from "@remix-run/react";
import { BlockStack, Box, Button, ButtonGroup, DatePicker, InlineStack, Popover, Text } from "@shopify/polaris";
import { CalendarIcon } from "@shopify/polaris-icons";
import { lastDays, MAX_RANGE_DAYS, RANGE_PRESETS, type DateRange } from "../../domain/dashboard/date-range";
import { addDays } from "../../domain/dashboard/days";

/** DatePicker works with local-time Dates; days are plain labels, so noon keeps them clear of any DST edge. */
function toDate(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d, 12);
}

function toDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function rangeQuery(range: { from: string; to: string }): string {
  return `?${new URLSearchParams({ from: range.from, to: range.to })}`;
}

/**
 * The period Home shows: the last 7, 30 or 90 days as plain links (they work before the page's script loads),
 * or a custom range chosen on a calendar. Either way the choice lands in the URL as ?from=&to=.
 */
export function DateRangePicker({ range, today, label, loading }: { range: DateRange; today: string; label: string; loading: boolean }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState({ start: toDate(range.from), end: toDate(range.to) });
  // Two months side by side, the range's end in the second: the first is the month before it.
  const [{ month, year }, setShown] = useState(() => {
    const end = toDate(range.to);
    return end.getMonth() === 0 ? { month: 11, year: end.getFullYear() - 1 } : { month: end.getMonth() - 1, year: end.getFullYear() };
  });
  const chosen = { from: toDay(selected.start), to: toDay(selected.end) };

  const apply = () => {
    setOpen(false);
    navigate(rangeQuery(chosen));
  };
  const activator = (
    <Button icon={CalendarIcon} onClick={() => setOpen((o) => !o)} disclosure pressed={range.preset === null} loading={loading}>
      {range.preset === null ? label : "Custom range"}
    </Button>
  );
  return (
    <InlineStack gap="200" blockAlign="center">
      <ButtonGroup variant="segmented">
        {/* Polaris shows no pressed state on a link, so the current preset is a pressed button and the others links. */}
        {RANGE_PRESETS.map((days) =>
          range.preset === days ? (
            <Button key={days} pressed>
              {`Last ${days} days`}
            </Button>
          ) : (
            <Button key={days} url={rangeQuery(lastDays(today, days))}>
              {`Last ${days} days`}
            </Button>
          ),
        )}
      </ButtonGroup>
      <Popover active={open} activator={activator} onClose={() => setOpen(false)} preferredAlignment="right" fluidContent>
        <Popover.Pane fixed>
          <Box padding="400" maxWidth="600px">
            <BlockStack gap="300">
              <DatePicker
                month={month}
                year={year}
                onChange={setSelected}
                onMonthChange={(m, y) => setShown({ month: m, year: y })}
                selected={selected}
                allowRange
                multiMonth
                disableDatesAfter={toDate(today)}
                disableDatesBefore={toDate(addDays(today, -(5 * 366)))}
              />
              <InlineStack align="space-between" blockAlign="center">
                <Text as="span" tone="subdued">
                  {chosen.from} to {chosen.to} · at most {MAX_RANGE_DAYS} days
                </Text>
                <ButtonGroup>
                  <Button onClick={() => setOpen(false)}>Cancel</Button>
                  <Button variant="primary" onClick={apply}>
                    Apply
                  </Button>
                </ButtonGroup>
              </InlineStack>
            </BlockStack>
          </Box>
        </Popover.Pane>
      </Popover>
    </InlineStack>
  );
}
