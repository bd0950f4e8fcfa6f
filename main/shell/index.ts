// placeholder: replaced by the shell work
import { app } from 'electron';
void app;
