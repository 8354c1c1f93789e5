/** The rows of this example: an order line, and what the handler makes of it. */
export interface Order {
  id: number;
  item: string;
  quantity: number;
  unitPrice: number;
}

/** The handler's result for one order. */
export interface PricedOrder {
  id: number;
  item: string;
  total: number;
}
